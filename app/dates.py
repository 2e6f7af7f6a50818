"""Dates and times as people read them, one way everywhere: "20 dicembre 2026" and
"20 dicembre 2026, 14:30" (Italian time), in the reader's language.

Pages get `day` and `moment` as template globals (app.web.templating); Word reports and
mails call them in the report's or the mail's language (`app.i18n.use_language`).
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime

from app.clock import ITALY
from app.i18n import current_language


def day(value: date | datetime | str | None) -> str:
    """A day: 20 dicembre 2026 (a moment counts as its day in Italy); "" for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(ITALY).date() if value.tzinfo else value.date()
    return format_date(value, format="long", locale=current_language())


def moment(value: datetime | None) -> str:
    """A moment in Italian time, to the minute: 20 dicembre 2026, 14:30; "" for none."""
    if value is None:
        return ""
    local = value.astimezone(ITALY) if value.tzinfo else value
    return format_datetime(local, format="d MMMM y, HH:mm", locale=current_language())
