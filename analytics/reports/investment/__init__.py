"""The Investment report: the share of delivered work per category, the work-in-progress
mix and open epics' progress, grouped in SQL by the rules of ``analytics.investment``."""
