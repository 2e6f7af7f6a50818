"""Time in one place: timezone-aware UTC, and Italian time (`ITALY`) for
dates people read, deadlines and calendars."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# Italian time: the program's dates, deadlines and calendars.
ITALY = ZoneInfo("Europe/Rome")


def now() -> datetime:
    return datetime.now(tz=UTC)
