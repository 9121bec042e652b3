"""Flow analytics: where an issue's time goes, status by status and stage by stage."""
