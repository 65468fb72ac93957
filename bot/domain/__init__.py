"""Pure domain model: incidents, contacts, messages, SLA policy and the duty calendar (no I/O)."""
