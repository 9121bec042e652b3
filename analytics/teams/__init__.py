"""Teams: groups of a workspace's people, managed by admins under Settings → Teams."""
