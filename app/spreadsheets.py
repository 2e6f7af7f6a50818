"""Cells that a spreadsheet shows as text and never runs as a formula.

OWASP's advice on CSV injection: a cell starting with = + - @ tab or carriage return is
prefixed with an apostrophe, so a name like `=HYPERLINK(...)` set by someone else stays a
name in Excel, LibreOffice and Google Sheets. Every CSV and XLSX export goes through it.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """The text, with a leading apostrophe when a spreadsheet would read a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
