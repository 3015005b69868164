"""Supervisor reports and agents' own exports, read from the serving
snapshot and written as HTML, XLSX and CSV (DESIGN.md sections 1 and 8).

Plain Python apart from :mod:`assets.reports.asset` (the Dagster asset), by
what each module renders:

- ``filters``: the Coaching Monitor's filters, their SQL, the folder named
  after them; ``snapshot``: reading the serving snapshot;
- ``report``: what a report holds (tables, charts); ``supervisor`` and
  ``agent``: the queries of each kind of report, one table per section;
- ``page`` with ``templates/``: the HTML page (Jinja2, autoescaped);
  ``charts``: the SVG charts' layout; ``workbook``: the XLSX;
  ``csv_files``: the CSV files; ``columns``: labels, kinds and rounding;
- ``export``: the entry points, the checks of the options, the writing, and
  the leak check of an agent export.
"""
