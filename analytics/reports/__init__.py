"""The reports: the Reports tabs (Delivery, Sprints, Investment), the dashboard, and their CSV.

Every report reads the same way: its filters (``filters``: a period, sites, projects, a
team, parsed by the filter form) go to selectors that aggregate in SQL, whose numbers
become tables (``tables``: one definition for the page and its CSV) and charts
(``charts``, ``series_charts``: SVG drawn on the server), rendered by thin views.

- The Delivery report: ``selectors`` (the issues in scope), ``aggregates`` (durations and
  percentiles in SQL), ``summary`` (headline numbers), ``flow`` (per week: throughput,
  cycle and lead time, work in progress; the cycle time distribution), ``people``
  (contributors and teams), ``percentiles`` (SQLite's percentiles, listed once per page),
  ``metrics`` (the one list of headline metrics, for cards and table), ``trends`` (the
  weekly tables and line charts, ``line_charts``), put together by ``delivery``; ``views``
  serves it, its drill-downs and the dashboard. Selectors return finished numbers.
- ``sprints/``: the Sprints report (with ``burndown``'s velocity chart) and each sprint's
  page (with its burndown: the sprint rules of ``placement`` applied at each day's end).
- ``investment/``: the Investment report (the categories and their rules are a setting,
  in ``analytics.investment``).
- ``export``: CSV downloads, and the rows the export commands write.
"""
