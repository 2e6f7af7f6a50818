"""A half-year's report for the funder: its indicators (this half-year, the previous one,
the program to its end), its lists, and what staff write about each strategy.

Live until it is frozen; program staff freeze it once the half-year is over, and from
then on it is read from the stored snapshot: reprinting gives the same report, and a
later change of data or of a narrative does not touch it.
"""

from __future__ import annotations

from datetime import timedelta

import msgspec
from litestar.exceptions import PermissionDeniedException

from app import audit
from app.auth.caller import Caller
from app.clock import now
from app.dates import day
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from community.program import measures
from community.program import service as targets
from community.program.logframe import Window, strategy_keys
from community.program.schemas import HalfYear
from community.program.service import Period
from community.tables import ProgramNarrative, ProgramReport

MAX_NARRATIVE = 6_000  # characters per strategy: about two pages


def _staff(caller: Caller) -> None:
    if not caller.is_program_staff:
        raise PermissionDeniedException()


def key_of(period: Period) -> str:
    return f"{period.year}-{period.half}"


def previous(period: Period) -> Period:
    return Period(period.year - 1, 2) if period.half == 1 else Period(period.year, 1)


def window(period: Period) -> Window:
    return Window(period.starts_on, period.ends_on, period.start, period.end)


def to_date(period: Period) -> Window:
    """The program from its start to the end of the half-year."""
    return Window(None, period.ends_on, None, period.end)


def is_over(period: Period) -> bool:
    return period.ends_on < targets.today()


async def narratives(period: Period) -> dict[str, str]:
    rows = await ProgramNarrative.select(ProgramNarrative.strategy, ProgramNarrative.text
                                         ).where(ProgramNarrative.period_key == key_of(period))
    return {row["strategy"]: row["text"] for row in rows}


async def frozen(period: Period) -> HalfYear | None:
    row = await ProgramReport.select(ProgramReport.snapshot).where(
        ProgramReport.period_key == key_of(period)).first()
    if row is None:
        return None
    snapshot = row["snapshot"]
    return msgspec.json.decode(snapshot if isinstance(snapshot, str | bytes)
                               else msgspec.json.encode(snapshot), type=HalfYear)


async def live(caller: Caller, period: Period) -> HalfYear:
    """The half-year computed now from live data, with the narratives written so far."""
    _staff(caller)
    this = window(period)
    labs = await measures.labs_of(this)
    initiatives = await measures.initiatives_of(this)
    figures = await targets.program_figures(caller, period)
    return HalfYear(
        year=period.year, half=period.half, computed_at=now(),
        current=await measures.measure(caller, this),
        previous=await measures.measure(caller, window(previous(period))),
        to_date=await measures.measure(caller, to_date(period)),
        labs=labs, initiatives=initiatives,
        partners=await measures.partners_of(this, labs, initiatives),
        schools=figures.schools, civic_centers=figures.civic_centers,
        narratives=await narratives(period))


async def half_year(caller: Caller, period: Period) -> HalfYear:
    """The frozen report of the half-year when there is one, else the live one."""
    _staff(caller)
    return await frozen(period) or await live(caller, period)


async def save_narratives(caller: Caller, period: Period, texts: dict[str, str]) -> None:
    """Store what staff wrote per strategy; InvalidInput (nothing stored) when a text is
    too long or the half-year's report is frozen."""
    _staff(caller)
    cleaned = {key: (texts.get(key) or "").replace("\r\n", "\n").strip()
               for key in strategy_keys()}
    errors = {f"narrative_{key}": _("At most %(max)s characters: this text has "
                                    "%(count)s.") % {"max": MAX_NARRATIVE,
                                                     "count": len(text)}
              for key, text in cleaned.items() if len(text) > MAX_NARRATIVE}
    if errors:
        raise InvalidInput(errors)
    async with transaction():
        if await ProgramReport.exists().where(ProgramReport.period_key == key_of(period)):
            raise InvalidInput({"narrative": _(
                "This half-year's report is frozen: its texts can no longer change.")})
        await ProgramNarrative.delete().where(ProgramNarrative.period_key == key_of(period))
        for key, text in cleaned.items():
            await ProgramNarrative(period_key=key_of(period), strategy=key,
                                   narrative_key=f"{key_of(period)}:{key}", text=text,
                                   updated_by=caller.user_id).save()
        await audit.record("program.narratives_saved", caller.user_id,
                           period=key_of(period))


async def freeze(caller: Caller, period: Period) -> HalfYear:
    """Freeze the half-year's report as it stands now; InvalidInput before its end.
    Freezing twice keeps the first snapshot."""
    _staff(caller)
    if not is_over(period):
        raise InvalidInput({"freeze": _(
            "A half-year can be frozen from the day after it ends, %(day)s.") % {
            "day": _day_after(period)}})
    already = await frozen(period)
    if already is not None:
        return already
    snapshot = await live(caller, period)
    snapshot.frozen_at, snapshot.frozen_by = now(), caller.name or caller.email or ""
    async with transaction():
        if not await ProgramReport.exists().where(ProgramReport.period_key == key_of(period)):
            await ProgramReport(period_key=key_of(period), frozen_by=caller.user_id,
                                frozen_at=snapshot.frozen_at,
                                snapshot=msgspec.json.encode(snapshot).decode()).save()
            await audit.record("program.report_frozen", caller.user_id,
                               period=key_of(period))
    return await frozen(period) or snapshot


def _day_after(period: Period) -> str:
    return day(period.ends_on + timedelta(days=1))
