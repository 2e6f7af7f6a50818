"""Counts of one company, school or Civic Center as reports print them: from 5 up only.

Shared by the program's report (community) and the school report (civic), so that
neither reaches into the other for it.
"""

from __future__ import annotations

from babel.numbers import format_decimal

from app.i18n import _, current_language

MIN_COUNT = 5  # a smaller count for one company, school or Civic Center is not shown


def shown(count: int) -> int | None:
    """A count of one company, school or Civic Center: None when from 1 to 4."""
    return None if 0 < count < MIN_COUNT else count


def number(value: int | None) -> str:
    """A count as printed: "fewer than 5" for a hidden one."""
    if value is None:
        return _("fewer than 5")
    return format_decimal(value, locale=current_language())
