"""A wave's reminders as its managers see them: the schedule, a reminder sent now, and a
preview of the mails in each language.

The schedule says when each reminder went or will go, never to how many people: a
reminder goes only to those who have not answered, so its size would tell who has.
"Send a reminder now" brings the next planned reminder forward (the planned job then
finds nobody left for that round), or adds one once all planned ones went; at most
MAX_REMINDERS in all and none within a day of the wave's previous mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from babel.dates import format_date
from litestar.exceptions import NotFoundException

from app import audit
from app.auth.caller import Caller
from app.clock import now
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.outbox import enqueue
from app.settings import LANGUAGES
from app.tables import OutboxJob
from integrations.mail.render import render
from surveys.definition import text_in
from surveys.waves import service as waves

PAUSE = timedelta(hours=24)  # between two mails of a wave to the same people
SAMPLE_NAME = "Maria Rossi"
SAMPLE_LINK_END = "ESEMPIO-non-funziona"  # a path no link can have (hyphens, length)


@dataclass(frozen=True)
class Round:
    """Reminder `number`: planned for a day of the schedule (None: sent on demand)."""

    number: int
    planned_on: date | None
    sent_at: datetime | None


@dataclass(frozen=True)
class MailPreview:
    kind: str  # invitation, reminder
    language: str
    subject: str
    text: str


async def schedule(caller: Caller, wave_id: UUID) -> list[Round]:
    """The wave's reminders in order: sent (when) or planned (for when)."""
    wave = await waves.get_wave(caller, wave_id)  # 404 beyond the caller's reach
    _invited, sent = await _mail_done(wave_id)
    return _rounds(wave, sent)


def _rounds(wave: waves.WaveOut, sent: dict[int, datetime]) -> list[Round]:
    planned = {number: wave.opens_on + timedelta(days=days)
               for number, days in enumerate(wave.reminder_days, start=1)}
    numbers = sorted(set(planned) | set(sent))
    return [Round(number, planned.get(number), sent.get(number)) for number in numbers]


async def remind_now(caller: Caller, wave_id: UUID) -> int:
    """Queue the next reminder at once; return its number. Managers of an open wave."""
    wave = await waves.get_wave(caller, wave_id)
    if not wave.can_manage:
        raise NotFoundException()
    if wave.status != "open" or wave.state != "open":
        raise InvalidInput({"reminder": _("Reminders go only while the wave is open.")})
    if "mail" not in wave.channels:
        raise InvalidInput({"reminder": _("This wave sends no mail: its people came "
                                                "in with codes or company accounts.")})
    invited_at, sent = await _mail_done(wave_id)
    rounds = _rounds(wave, sent)
    due = [r.number for r in rounds if r.sent_at is None]
    number = due[0] if due else max((r.number for r in rounds), default=0) + 1
    if number > waves.MAX_REMINDERS:
        raise InvalidInput({"reminder": _("A wave sends at most {count} reminders.")
                                  .format(count=waves.MAX_REMINDERS)})
    mails = [r.sent_at for r in rounds if r.sent_at] + [invited_at]
    last = max((moment for moment in mails if moment is not None), default=None)
    if last is not None and now() - last < PAUSE:
        raise InvalidInput({"reminder": _("The wave's last mail went less than a day "
                                                "ago: people need time to answer it.")})
    async with transaction():
        await enqueue(waves.REMINDER_JOB, {"wave_id": str(wave_id), "round": number})
        await audit.record("wave.reminded", caller.user_id, wave.owner_id,
                           wave_id=str(wave_id), round=number)
    return number


async def preview(caller: Caller, wave_id: UUID) -> list[MailPreview]:
    """The invitation and the reminder as people get them, in each language, with a
    sample name and a link that does not work."""
    wave = await waves.get_wave(caller, wave_id)
    titles = await waves.survey_titles(wave.version_id)
    company = wave.companies[0].name if wave.companies else "Officine Rossi"
    found = []
    for language in LANGUAGES:
        context = {"name": SAMPLE_NAME, "company": company,
                   "survey": text_in(titles, language), "closes_on": _long(wave.closes_on,
                                                                             language),
                   "link": f"…/r/{SAMPLE_LINK_END}"}
        for kind, template in (("invitation", "wave_invitation"),
                               ("reminder", "wave_reminder")):
            subject, text, _html = render(template, language, context)
            found.append(MailPreview(kind, language, subject, text))
    return found


def _long(day: date, language: str) -> str:
    return format_date(day, format="long", locale=language)


async def _mail_done(wave_id: UUID) -> tuple[datetime | None, dict[int, datetime]]:
    """When the wave's invitation mail was done, and each reminder round (the first
    time): one read of the outbox's done mail jobs."""
    rows = await OutboxJob.select(OutboxJob.actor, OutboxJob.payload, OutboxJob.done_at).where(
        OutboxJob.actor.is_in([waves.MAIL_JOB, waves.REMINDER_JOB])
        & (OutboxJob.status == "done")
    ).output(load_json=True)
    invited: datetime | None = None
    sent: dict[int, datetime] = {}
    for row in rows:
        payload: dict[str, Any] = row["payload"] or {}
        moment = row["done_at"]
        if payload.get("wave_id") != str(wave_id) or moment is None:
            continue
        if row["actor"] == waves.MAIL_JOB:
            invited = min(invited or moment, moment)
        else:
            number = int(payload.get("round", 0))
            sent[number] = min(sent.get(number, moment), moment)
    return invited, sent
