"""Needs to proposals: for each company and town of a wave, its most shared needs, grouped
by area, with the initiative types, initiatives and labs that answer them; and a lab or
an initiative made from one in two steps, keeping the needs that motivated it.

Needs come only from the results service (`surveys.results.service`): the needs of
figures it shows, never counts of our own, so a suppressed figure never reaches a
proposal. Every step recomputes them; needs sent by a client are never trusted.
Program staff see every company and town of a wave; an HR manager only their
companies (anything else answers 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from litestar.exceptions import NotFoundException

from app.auth.caller import Caller
from app.errors import InvalidInput
from app.i18n import _, current_language
from app.roles import HR_MANAGER
from app.tables import Organization
from app.tenancy import ensure_reachable
from community.initiatives import service as initiatives
from community.initiatives.schemas import InitiativeCreate, TypeInfo
from community.labs import service as labs
from community.labs.schemas import AgendaItem, LabCreate
from community.proposals.schemas import (
    AreaProposal,
    Created,
    GroupProposal,
    InitiativeDraft,
    InitiativeFromProposal,
    InitiativeRef,
    LabDraft,
    LabFromProposal,
    LabRef,
    ProposalChoice,
    Proposals,
    TypeRef,
)
from community.tables import Lab
from community.taxonomy import service as taxonomy
from community.taxonomy.needs import NeedRef
from surveys.results import service as results
from surveys.results.model import Group, Need, WaveChoice

HR = HR_MANAGER
TOP_NEEDS = 8  # the most shared needs of a group that make its proposals
CAPACITY = 20  # an initiative's places until its maker says otherwise


@dataclass
class Target:
    """A group whose needs were just read from the results service."""

    group: Group
    town: str
    needs: list[Need]

    @property
    def company_id(self) -> UUID | None:
        return self.group.company_id


# Reading proposals -------------------------------------------------------------------


def _may_propose(caller: Caller) -> None:
    if not caller.is_program_staff and not caller.organization_ids(HR):
        raise NotFoundException()


async def _choice(caller: Caller, wave_id: UUID | None) -> tuple[WaveChoice | None,
                                                                 list[WaveChoice]]:
    """The wave asked for (default: the latest the caller may read) and every choice."""
    _may_propose(caller)
    choices = await results.wave_choices(caller)
    if wave_id is None:
        return (choices[0] if choices else None), choices
    found = next((c for c in choices if c.wave.id == wave_id), None)
    if found is None:
        raise NotFoundException()
    return found, choices


async def proposals(caller: Caller, wave_id: UUID | None = None) -> Proposals:
    """The proposals of every group of a wave the caller may see (towns, then companies)."""
    choice, choices = await _choice(caller, wave_id)
    waves = [c.wave for c in choices]
    if choice is None:
        return Proposals(None, waves, [])
    targets = await _targets(caller, choice)
    return Proposals(choice.wave, waves, await _proposals(choice.wave.id, targets))


async def company_proposal(caller: Caller, company_id: UUID,
                           wave_id: UUID | None = None) -> GroupProposal:
    """One company's proposals in a wave (default: the latest the caller may read)."""
    ensure_reachable(caller, company_id, HR)
    choice, _choices = await _choice(caller, wave_id)
    if choice is None or not any(g.company_id == company_id for g in choice.companies):
        raise NotFoundException()
    [found] = await _proposals(choice.wave.id,
                               [await _company(caller, choice.wave.id, company_id)])
    return found


async def _targets(caller: Caller, choice: WaveChoice) -> list[Target]:
    if not caller.is_program_staff:
        return [await _company(caller, choice.wave.id, g.company_id)
                for g in choice.companies if g.company_id is not None]
    found = await results.group_needs(caller, choice.wave.id)
    towns = await _towns([g.company_id for g, _needs in found if g.company_id])
    return [Target(g, towns.get(g.company_id, "") if g.company_id else _town_of(g), needs)
            for g, needs in found]


async def _company(caller: Caller, wave_id: UUID, company_id: UUID) -> Target:
    shown = await results.company_results(caller, company_id, wave_id)
    towns = await _towns([company_id])
    return Target(shown.company, towns.get(company_id, ""), shown.needs)


async def _towns(companies: list[UUID]) -> dict[UUID, str]:
    rows = await Organization.select(Organization.id, Organization.town).where(
        Organization.id.is_in(companies or [None]))
    return {row["id"]: row["town"] or "" for row in rows}


def _town_of(group: Group) -> str:
    return group.key.removeprefix("town:")


def _by_area(needs: list[Need]) -> list[tuple[str, str, list[Need]]]:
    """The group's TOP_NEEDS most shared needs (the service ranks them) by area, the
    area of the most shared need first."""
    areas: dict[str, tuple[str, list[Need]]] = {}
    for need in needs[:TOP_NEEDS]:
        areas.setdefault(need.area, (need.area_label, []))[1].append(need)
    return [(area, label, found) for area, (label, found) in areas.items()]


def _refs(wave_id: UUID, group: Group, needs: list[Need]) -> list[NeedRef]:
    return [NeedRef(wave_id, group.key, group.label, n.area, n.area_label, n.question,
                    n.option, n.label, n.count, n.n, n.share) for n in needs]


async def _proposals(wave_id: UUID, targets: list[Target]) -> list[GroupProposal]:
    used = sorted({need.area for target in targets for need in target.needs[:TOP_NEEDS]})
    types = await taxonomy.types_for_areas(used, current_language())
    return [await _proposal(wave_id, target, types) for target in targets]


async def _proposal(wave_id: UUID, target: Target,
                    types: dict[str, list[TypeInfo]]) -> GroupProposal:
    group = target.group
    grouped = _by_area(target.needs)
    started = await _labs_of(target)
    answering = await initiatives.initiatives_answering(
        [area for area, _label, _needs in grouped], target.town, target.company_id)
    areas = [AreaProposal(
        area, label, max(n.count for n in needs), _refs(wave_id, group, needs),
        [TypeRef(t.key, t.label) for t in types.get(area, [])],
        [InitiativeRef(i.id, i.title, f"/initiatives/{i.id}") for i in answering
         if area in i.areas],
        [lab for lab, lab_areas in started if area in lab_areas])
        for area, label, needs in grouped]
    return GroupProposal("company" if group.company_id is not None else "town", group.key,
                         group.label, group.company_id, areas)


async def _labs_of(target: Target) -> list[tuple[LabRef, set[str]]]:
    """The group's labs made from its needs, with the areas of those needs."""
    where: Any = (Lab.company == target.company_id if target.company_id is not None
                  else (Lab.scope == "town") & (Lab.town == target.town))
    rows = await Lab.select(Lab.id, Lab.title, Lab.status, Lab.needs, Lab.created_at).where(
        where).order_by(Lab.created_at, ascending=False).output(load_json=True)
    found = []
    for row in rows:
        areas = {n.get("area") for n in row["needs"] or []
                 if isinstance(n, dict) and n.get("group_key") == target.group.key}
        if areas:
            found.append((LabRef(row["id"], row["title"], row["status"],
                                 f"/labs/{row['id']}"), {str(a) for a in areas}))
    return found


# One proposal: the drafts of click 1 ----------------------------------------------------


def _bad_group() -> InvalidInput:
    return InvalidInput({"group_key": _("There is no such company or town in this wave: "
                                        "choose a proposal from the list.")})


async def _target(caller: Caller, wave_id: UUID, group_key: str) -> Target:
    """The group of `group_key` in the wave, its needs read again from the results."""
    choice, _choices = await _choice(caller, wave_id)
    assert choice is not None
    kind, _sep, rest = group_key.partition(":")
    if kind == "company":
        try:
            company_id = UUID(rest)
        except ValueError:
            raise _bad_group() from None
        ensure_reachable(caller, company_id, HR)
        if not any(g.company_id == company_id for g in choice.companies):
            raise _bad_group()
        return await _company(caller, wave_id, company_id)
    if kind == "town":
        if not caller.is_program_staff:
            raise NotFoundException()
        found = await results.group_needs(caller, wave_id)
        town = next((Target(g, _town_of(g), needs) for g, needs in found if g.key == group_key),
                    None)
        if town is not None:
            return town
    raise _bad_group()


async def _area(caller: Caller, choice: ProposalChoice) -> tuple[Target, str, list[NeedRef]]:
    target = await _target(caller, choice.wave_id, choice.group_key)
    found = next((found for area, _label, found in _by_area(target.needs)
                  if area == choice.area), None)
    if not found:
        raise InvalidInput({"area": _("This need area is not among the proposals of this "
                                      "group: choose a proposal from the list.")})
    return target, found[0].area_label, _refs(choice.wave_id, target.group, found)


def _agenda(needs: list[NeedRef]) -> list[str]:
    return [_("{need}: {count} people of {n}").format(need=n.label, count=n.count, n=n.n)
            for n in needs]


async def lab_draft(caller: Caller, choice: ProposalChoice) -> LabDraft:
    """The lab a proposal would make: title, scope and agenda from the shown needs."""
    target, area_label, needs = await _area(caller, choice)
    group = target.group
    return LabDraft(
        choice.wave_id, group.key, group.label, choice.area, area_label,
        _("Lab: {area} — {group}").format(area=area_label, group=group.label),
        "workplace" if target.company_id else "town", target.company_id, target.town,
        _agenda(needs), needs)


async def initiative_draft(caller: Caller, choice: ProposalChoice) -> InitiativeDraft:
    """The initiative a proposal would make: its type is the first serving the area (those
    made for the area before those that also serve it); the description is left to a
    person, since the figures are no description."""
    target, area_label, needs = await _area(caller, choice)
    group = target.group
    serving = await taxonomy.types_for_areas([choice.area], current_language())
    types = [TypeRef(t.key, t.label) for t in serving[choice.area]]
    return InitiativeDraft(
        choice.wave_id, group.key, group.label, choice.area, area_label,
        _("{area} — {group}").format(area=area_label, group=group.label),
        "", types[0].key if types else "", types,
        target.company_id, [target.town] if target.town else [],
        "employees" if target.company_id else "all", CAPACITY,
        group.label if target.company_id else _("Municipality of {town}").format(
            town=target.town),
        "company" if target.company_id else "municipality", needs)


# Click 2: making it ----------------------------------------------------------------------


def _choice_of(data: LabFromProposal | InitiativeFromProposal) -> ProposalChoice:
    return ProposalChoice(data.wave_id, data.group_key, data.area)


async def create_lab(caller: Caller, data: LabFromProposal) -> Created:
    """A lab from a proposal, its needs read again from the results (the draft's)."""
    draft = await lab_draft(caller, _choice_of(data))
    title = draft.title if data.title is None else data.title.strip()
    lines = draft.agenda if data.agenda is None else [
        line.strip() for line in data.agenda if line.strip()]
    lab_id = await labs.create_lab(caller, LabCreate(
        title=title, scope=draft.scope, company_id=draft.company_id, town=draft.town,
        partners=[], agenda=[AgendaItem(text=line, area=draft.area) for line in lines],
        needs=draft.needs, facilitator_id=data.facilitator_id))
    return Created("lab", lab_id, f"/labs/{lab_id}", draft.needs)


async def create_initiative(caller: Caller, data: InitiativeFromProposal) -> Created:
    """An initiative from a proposal, as `create_lab`: a draft, published from its page
    once it has dates, a place and a description."""
    draft = await initiative_draft(caller, _choice_of(data))
    type_key = draft.type_key if data.type_key is None else data.type_key
    if type_key and type_key not in {t.key for t in draft.types}:
        raise InvalidInput({"type_key": _("Choose one of the types that serve this need "
                                          "area.")})
    made_id = await initiatives.create_initiative(caller, InitiativeCreate(
        title=draft.title if data.title is None else data.title.strip(),
        capacity=draft.capacity if data.capacity is None else data.capacity,
        description=draft.description if data.description is None else data.description,
        type_key=type_key, areas=[draft.area], towns=draft.towns,
        company_id=draft.company_id, audience=draft.audience, schedule=data.schedule,
        place=data.place, starts_on=data.starts_on, ends_on=data.ends_on,
        provider_name=draft.provider_name if data.provider_name is None else data.provider_name,
        provider_kind=draft.provider_kind if data.provider_kind is None else data.provider_kind,
        needs=draft.needs))
    return Created("initiative", made_id, f"/initiatives/{made_id}", draft.needs)
