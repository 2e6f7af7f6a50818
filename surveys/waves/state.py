"""A wave's clock: whether it is open, in Italy's days, and when its jobs should run.

Waves, the ballot box, the answer pages and the results all read it, so it imports
none of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any, Literal
from uuid import UUID

import msgspec

from app.clock import ITALY, now
from surveys.tables import Wave

MAIL_HOUR = 9  # scheduled mail leaves at 9:00 in Italy, not at midnight

State = Literal["not_open", "open", "closed"]


class WaveState(msgspec.Struct):
    state: State
    opens_on: date
    closes_on: date


class WaveUnavailable(Exception):
    """The wave exists for the caller but is not open: pages say so kindly."""

    def __init__(self, state: WaveState) -> None:
        super().__init__(state.state)
        self.state = state


def today() -> date:
    """The date in Italy, where the waves' dates are meant."""
    return datetime.now(ITALY).date()


def wave_state(wave: Wave | Mapping[str, Any], on: date | None = None) -> WaveState:
    """Whether `wave` (a row or a selected dict) is not open yet, open or closed, with its dates.

    A draft is not open; an open wave is not open before `opens_on` and closed after
    `closes_on`, with no job needed at either date.
    """
    row = wave if isinstance(wave, Mapping) else wave.to_dict()
    day = on or today()
    opens_on, closes_on = as_date(row["opens_on"]), as_date(row["closes_on"])
    state: State = "open"
    if row["status"] == "closed" or (row["status"] == "open" and day > closes_on):
        state = "closed"
        closed_at = row.get("closed_at")
        if closed_at:  # the day it actually closed, as the server recorded it
            closes_on = min(closes_on, _as_moment(closed_at).astimezone(ITALY).date())
    elif row["status"] == "draft" or day < opens_on:
        state = "not_open"
    return WaveState(state, opens_on, closes_on)


def as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _as_moment(value: datetime | str) -> datetime:
    """A timestamp as a raw query may give it back (text on SQLite)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def wave_state_of(wave_id: UUID) -> WaveState | None:
    """The state of wave `wave_id`, or None when there is no such wave."""
    wave = await Wave.objects().where(Wave.id == wave_id).first()
    return wave_state(wave) if wave else None


def moment_in_italy(day: date, hour: int = MAIL_HOUR) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ITALY).astimezone(UTC)


def seconds_until(moment: datetime) -> int:
    """Whole seconds from now to `moment`, rounded up so a job is never early; 0 if past."""
    return max(0, math.ceil((moment - now()).total_seconds()))
