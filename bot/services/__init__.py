"""Application services: intake, incident actions, the deadline sweep and delivery."""
