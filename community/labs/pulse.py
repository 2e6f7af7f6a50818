"""A lab's follow-up pulse: a short wave asking again about the needs the lab started from.

Starting one makes, in one transaction and through the surveys services, a survey that
holds only the question bank's questions of the lab's need areas, and a wave of it for
the lab's company (workplace lab) or the companies of its town (town lab), opened at
once; the lab keeps the wave in `pulse_wave_id`.

The comparison puts, next to each need the lab started from (its share when the lab was
made), the same need in the pulse wave, read through the results services for the
caller: the figure of the need's own group (the company, or the town). "Not shown yet"
while the wave is not closed, or when the results hide the figure.

The callers here have passed `community.labs`' access checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from litestar.exceptions import NotFoundException

from app import audit
from app.auth.caller import Caller
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _, current_language, use_language
from app.roles import HR_MANAGER
from app.settings import LANGUAGES
from app.tables import Organization
from app.values import json_value
from community.labs.schemas import NeedChange, Pulse, PulseStart
from community.tables import Lab
from community.taxonomy.needs import NeedRef, from_json
from surveys import bank
from surveys.definition import Definition, Section, questions, text_in
from surveys.editor import service as surveys_service
from surveys.editor.service import SurveyCreate
from surveys.results import service as results
from surveys.results.model import Figure
from surveys.waves import reads as wave_reads
from surveys.waves import service as waves
from surveys.waves import state as wave_clock
from surveys.waves.service import WaveCreate
from surveys.waves.state import wave_state

HR = HR_MANAGER


@dataclass
class Plan:
    """What a pulse would ask, and whom."""

    areas: list[tuple[str, str]]  # (key, label)
    questions: list[str]
    companies: list[str]
    under_way: bool  # a pulse wave has not closed yet


def may_start(caller: Caller, row: dict[str, Any]) -> bool:
    """Program staff start any lab's pulse; an HR manager their workplace lab's (a wave
    to several companies is the program's)."""
    return caller.is_program_staff or (
        row["scope"] == "workplace" and row["company"] in caller.organization_ids(HR))


def lab_areas(row: dict[str, Any]) -> list[str]:
    """The need areas of the lab: those of its needs, else those of its agenda."""
    known = bank.areas()
    needs = [need.area for need in from_json(json_value(row["needs"]))]
    agenda = [str(item.get("area", "")) for item in json_value(row["agenda"]) or []]
    found = [area for area in dict.fromkeys(needs or agenda) if area in known]
    counted = {q.area for q in questions(bank.ready_survey()) if q.type != "text"}
    return [area for area in found if area in counted]


def pulse_definition(areas: list[str], lab_title: str) -> Definition:
    """The ready survey cut down to the questions of `areas`, with its own title."""
    ready = bank.ready_survey()
    sections = [Section(key=s.key, title=s.title, intro=s.intro,
                        questions=[q for q in s.questions if q.area in areas])
                for s in ready.sections]
    sections = [s for s in sections if s.questions]
    kept = {q.key for s in sections for q in s.questions}
    for section in sections:
        for question in section.questions:
            if question.show_if and question.show_if.question not in kept:
                question.show_if = None
    languages = [lang for lang in ready.languages if lang in LANGUAGES]
    title, intro = {}, {}
    for language in languages:
        with use_language(language):
            title[language] = _("Follow-up: {lab}").format(lab=lab_title)[:300]
            intro[language] = _("A few questions again, to see whether things have changed "
                                "since the community lab began. This survey is anonymous: "
                                "only group results are shown, never your answers.")
    return Definition(title=title, sections=sections, intro=intro, languages=ready.languages)


async def _companies(row: dict[str, Any]) -> list[dict[str, Any]]:
    """Whom the pulse asks: the lab's company, or the active companies of its town."""
    query = Organization.select(Organization.id, Organization.name).where(
        (Organization.kind == "company") & (Organization.status == "active"))
    if row["scope"] == "workplace":
        query = query.where(Organization.id == row["company"])
    else:
        query = query.where(Organization.town == row["town"])
    return await query.order_by(Organization.name)  # type: ignore[no-any-return]


async def _under_way(row: dict[str, Any]) -> bool:
    if row["pulse_wave_id"] is None:
        return False
    state = await wave_clock.wave_state_of(row["pulse_wave_id"])
    return state is not None and state.state != "closed"


async def plan(row: dict[str, Any]) -> Plan:
    areas = lab_areas(row)
    language = current_language()
    labels = bank.areas()
    asked = questions(pulse_definition(areas, row["title"])) if areas else []
    return Plan(areas=[(a, text_in(labels[a], language)) for a in areas],
                questions=[text_in(q.text, language) for q in asked],
                companies=[c["name"] for c in await _companies(row)],
                under_way=await _under_way(row))


async def start(caller: Caller, row: dict[str, Any], data: PulseStart) -> UUID:
    """Make the pulse survey and wave, open it, and keep it on the lab, all or nothing."""
    if await _under_way(row):
        raise InvalidInput({"pulse": _("A follow-up pulse of this lab is under way: wait "
                                       "until it closes.")})
    areas = lab_areas(row)
    if not areas:
        raise InvalidInput({"pulse": _("The lab has no need area to ask about: add the "
                                       "areas to its agenda.")})
    companies = [c["id"] for c in await _companies(row)]
    if not companies:
        raise InvalidInput({"pulse": _("No active company of the lab to ask.")})
    definition = pulse_definition(areas, row["title"])
    with use_language("it"):
        title = _("Follow-up pulse: {lab}").format(lab=row["title"])[:300]
    async with transaction():
        survey = await surveys_service.create_survey(caller, SurveyCreate(
            source="ready", title=definition.title["it"], owner_id=_owner(caller, row)))
        version = await surveys_service.replace_definition(caller, survey.id, definition)
        wave = await waves.create_wave(caller, WaveCreate(
            version_id=version.id, title=title, opens_on=data.opens_on,
            closes_on=data.closes_on, company_ids=companies, channels=data.channels,
            roster_groups=[], attribute_questions=[]))
        await waves.open_wave(caller, wave.id)
        await Lab.update({Lab.pulse_wave_id: wave.id}).where(Lab.id == row["id"])
        await audit.record("lab.pulse_started", caller.user_id, row["company"],
                           lab_id=str(row["id"]), wave_id=str(wave.id), areas=areas)
    return wave.id


def _owner(caller: Caller, row: dict[str, Any]) -> UUID:
    """The program's survey for staff, the company's own for its HR manager."""
    owners = surveys_service.creatable_owners(caller)
    program = [g.organization_id for g in owners if g.organization_kind == "program"]
    if caller.is_program_staff and program:
        return program[0]
    return row["company"]  # type: ignore[no-any-return]


# The comparison ---------------------------------------------------------------------------------


async def pulse_state(row: dict[str, Any]) -> str | None:
    """The pulse wave's state (not_open, open, closed), None when the lab has none."""
    if row["pulse_wave_id"] is None:
        return None
    state = await wave_clock.wave_state_of(row["pulse_wave_id"])
    return state.state if state is not None else None


async def pulse_of(caller: Caller, row: dict[str, Any]) -> Pulse | None:
    """The lab's pulse wave and, per need it started from, the share before and after."""
    if row["pulse_wave_id"] is None:
        return None
    wave = await wave_reads.wave_row(row["pulse_wave_id"])
    if wave is None:
        return None
    state = wave_state(wave)
    needs = from_json(json_value(row["needs"]))
    if state.state != "closed":
        note = _("Not shown yet: the pulse wave has not closed.")
        changes = [NeedChange(need, note=note) for need in needs]
    else:
        figures: dict[str, dict[str, Figure]] = {}
        for key in dict.fromkeys(need.group_key for need in needs):
            figures[key] = await _figures(caller, key, wave["id"])
        changes = [_change(need, figures[need.group_key].get(need.question)) for need in needs]
    return Pulse(wave["id"], wave["title"], state.state, state.opens_on, state.closes_on,
                 changes, _results_url(caller, row, wave["id"]))


def _results_url(caller: Caller, row: dict[str, Any], wave_id: UUID) -> str | None:
    """Where the caller reads the pulse wave's results: the company's results for a
    workplace lab, the program's for a town lab (program staff), their own company's
    for an HR manager in a town lab."""
    if row["company"] is not None:
        return f"/portal/{row['company']}/results/{wave_id}"
    if caller.is_program_staff:
        return f"/results/{wave_id}"
    mine = sorted(caller.organization_ids(HR_MANAGER), key=str)
    return f"/portal/{mine[0]}/results/{wave_id}" if mine else None


async def _figures(caller: Caller, group_key: str, wave_id: UUID) -> dict[str, Figure]:
    """The pulse wave's figures of one group by question, as the caller may see them."""
    kind, _sep, ident = group_key.partition(":")
    try:
        if kind == "company":
            found = await results.company_results(caller, UUID(ident), wave_id)
            return {q.question.key: q.figures[0] for q in found.questions}
        if kind == "town" and caller.is_program_staff:
            program = await results.program_results(caller, wave_id)
            return {q.question.key: f for q in program.questions for f in q.figures
                    if f.group.key == group_key}
        if kind == "town":
            return await _town_for_hr(caller, group_key, wave_id)
        if kind == "program" and caller.is_program_staff:
            program = await results.program_results(caller, wave_id)
            return {q.question.key: q.figures[0] for q in program.questions}
    except (NotFoundException, ValueError):
        return {}
    return {}


async def _town_for_hr(caller: Caller, group_key: str, wave_id: UUID) -> dict[str, Figure]:
    """A town's figure as its HR managers see it: beside their company's results."""
    for company in sorted(caller.organization_ids(HR), key=str):
        try:
            found = await results.company_results(caller, company, wave_id)
        except NotFoundException:
            continue
        if found.territory is not None and found.territory.key == group_key:
            return {q.question.key: q.figures[1] for q in found.questions}
    return {}


def _change(need: NeedRef, figure: Figure | None) -> NeedChange:
    if figure is None:
        return NeedChange(need, note=_("Not shown yet: the pulse wave has no figure for "
                                       "this group."))
    if figure.hidden or not figure.n:
        return NeedChange(need, note=_("Not shown yet: {reason}.").format(
            reason=figure.note or _("too few answers")))
    if "-" in need.option:  # the points of a 1–5 scale (surveys.results.figures.scale_need)
        points = need.option.split("-")
        count = sum(s.count for s in figure.shares if s.key in points)
    else:
        count = next((s.count for s in figure.shares if s.key == need.option), 0)
    return NeedChange(need, count / figure.n, count, figure.n)
