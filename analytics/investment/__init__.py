"""Investment categories and their ordered rules: a workspace setting (Settings →
Investment) that places every issue in one category. The Investment report
(``analytics.reports.investment``), the issue page and ``export_issues`` read it."""
