"""The reports: the Reports tabs (Delivery, Sprints, Investment), the dashboard, and their CSV.

Every report reads the same way: its filters (``filters``: a period, sites, projects, a
team, parsed by the filter form) go to selectors that aggregate in SQL, whose numbers
become tables (``tables``: one definition for the page and its CSV) and charts
(``charts``, ``series_charts``: SVG drawn on the server), rendered by thin views.

- The Delivery report: ``selectors`` (the issues in scope), ``aggregates`` (durations and
  percentiles in SQL), ``summary`` (headline numbers), ``flow`` (throughput, cycle time),
  ``people`` (contributors and teams), ``percentiles`` (SQLite's percentiles), put
  together by ``delivery``; ``views`` serves it, its drill-downs and the dashboard.
- ``sprints/``: the Sprints report and each sprint's page.
- ``investment/``: the Investment report (the categories and their rules are a setting,
  in ``analytics.investment``).
- ``export``: CSV downloads, and the rows the export commands write.
"""
