"""SiteDesk configuration: settings loading, shipped defaults, SLA and calendar data."""
