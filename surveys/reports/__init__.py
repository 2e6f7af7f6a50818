"""Word reports and table exports of a wave's anonymised results.

Built on `surveys.results.service` only, so reports and exports follow exactly the
suppression of the results pages: `docx_report` writes the company and territory
reports, `exports` the aggregated tables as CSV and XLSX, `requests` and `jobs` make a
report as a job (`surveys.report`) and keep the file in the database, `pages` and `api`
serve them under /reports and /api/v1/reports.
"""
