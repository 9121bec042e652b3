"""The reports: what the Reports tabs and the dashboard show, and their CSV downloads."""
