"""SiteDesk application package."""
