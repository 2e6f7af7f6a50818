"""Conciliation initiatives: the catalogue, who manages and who sees each one.

Program staff manage every initiative; an HR manager manages their own company's
(`company` set: only its employees see it) and reads the open ones (no company: shown to
the employees of every company in the initiative's towns). Places, the waitlist and
offers live in `app.places` (one pool per initiative). What is out of reach answers 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from litestar.exceptions import NotFoundException, PermissionDeniedException

from app import audit, clock, places
from app.auth.caller import Caller
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _, current_language
from app.roles import HR_MANAGER
from app.tables import Organization, User
from app.tenancy import ensure_reachable, reaches
from app.values import as_uuid
from community.initiatives.schemas import (
    AUDIENCES,
    PROVIDER_KINDS,
    Child,
    Initiative,
    InitiativeCreate,
    InitiativeSummary,
    InitiativeUpdate,
    Participation,
    ParticipationRow,
    RosterSeat,
)
from community.tables import Initiative as InitiativeRow
from community.tables import InitiativeChild, Lab
from community.taxonomy import service as taxonomy
from community.taxonomy.needs import from_json, to_json
from surveys.bank import areas as bank_areas
from surveys.results.service import thresholds

OWNER = "initiative"  # PlacePool.owner_kind
HR = HR_MANAGER
LIMITS = {"title": 200, "description": 5000, "schedule": 300, "place": 200, "cost_note": 200,
          "payment_note": 2000, "provider_name": 200}
CHILDREN_AREA = "children"  # an initiative serving it asks which children come
MAX_COST_CENTS = 10_000_000
MAX_TOWNS = 30
PROVIDER_KIND_OF_ORG = {"civic_center": "civic_center", "company": "company",
                        "program": "association"}


def _hr_companies(caller: Caller) -> set[UUID]:
    return caller.organization_ids(HR)


def may_edit(caller: Caller, initiative: InitiativeSummary) -> bool:
    """Program staff edit every initiative, an HR manager their company's."""
    if initiative.status == "closed":
        return False
    return reaches(caller, initiative.company_id, HR)


def today() -> date:
    """Today in Italy: sign-up windows open and close on Italian days."""
    return clock.now().astimezone(clock.ITALY).date()


def signup_state(row: dict[str, Any], day: date | None = None) -> str:
    """Whether people can sign up on `day` (today): "open"; "soon" before the first day of
    sign-ups; "over" after their last day (or the initiative's end); "ended" after the
    initiative's last day; "draft" and "closed" as the status says."""
    if row["status"] != "published":
        return str(row["status"])
    day = day or today()
    if row["ends_on"] is not None and day > row["ends_on"]:
        return "ended"
    if row["signup_opens_on"] is not None and day < row["signup_opens_on"]:
        return "soon"
    if row["signup_closes_on"] is not None and day > row["signup_closes_on"]:
        return "over"
    return "open"


def for_children(row: dict[str, Any]) -> bool:
    """A children's initiative (its need areas include children's care)."""
    return CHILDREN_AREA in (row["areas"] or [])


def town_matches(towns: Iterable[str], town: str) -> bool:
    wanted = town.strip().casefold()
    return bool(wanted) and any(t.strip().casefold() == wanted for t in towns)


# Summaries -----------------------------------------------------------------------------


async def summaries(rows: list[dict[str, Any]], language: str | None = None,
                    exact: bool = False) -> list[InitiativeSummary]:
    """DTOs of initiative rows (loaded with `load_json`), with their places as
    `places.shown` lets them be seen: counts only when `exact` (program staff)."""
    language = language or current_language()
    types = await taxonomy.types_by_key(language)
    categories = await taxonomy.categories_by_key(language)
    labels = taxonomy.area_labels(language)
    states = await places.pool_states([as_uuid(r["pool"]) for r in rows if r["pool"]])
    company_ids = {as_uuid(r["company"]) for r in rows if r["company"]}
    names = {as_uuid(r["id"]): r["name"] for r in await Organization.select(
        Organization.id, Organization.name).where(Organization.id.is_in(list(company_ids)))
    } if company_ids else {}
    result = []
    for r in rows:
        state = states.get(as_uuid(r["pool"])) if r["pool"] else None
        seen = places.shown(state, exact)
        category = categories.get(r["welfare_category"] or "")
        kind = types.get(r["type_key"])
        company = as_uuid(r["company"]) if r["company"] else None
        result.append(InitiativeSummary(
            id=as_uuid(r["id"]), title=r["title"], type_key=r["type_key"],
            type_label=kind.label if kind else "", areas=list(r["areas"] or []),
            area_labels=[labels.get(a, a) for a in r["areas"] or []],
            towns=list(r["towns"] or []), company_id=company,
            company_name=names.get(company, "") if company else "", audience=r["audience"],
            schedule=r["schedule"], place=r["place"], starts_on=r["starts_on"],
            ends_on=r["ends_on"], signup_opens_on=r["signup_opens_on"],
            signup_closes_on=r["signup_closes_on"], signup=signup_state(r),
            cost_cents=r["cost_cents"], cost_note=r["cost_note"],
            payment_note=r["payment_note"], for_children=for_children(r),
            welfare_category=r["welfare_category"],
            welfare_label=category.label if category else "",
            welfare_plan=bool(category and category.welfare_plan),
            provider_name=r["provider_name"], provider_kind=r["provider_kind"],
            status=r["status"], capacity=state.capacity if state else 0,
            availability=seen.availability, places_left=seen.places_left,
            waitlisted=seen.waitlisted))
    return result


def _select() -> Any:
    return InitiativeRow.select().order_by(InitiativeRow.created_at, ascending=False).output(
        load_json=True)


# Management ----------------------------------------------------------------------------


def _manager(caller: Caller) -> None:
    if not caller.is_program_staff and not _hr_companies(caller):
        raise PermissionDeniedException()


async def row_for_manager(caller: Caller, initiative_id: UUID) -> dict[str, Any]:
    """The initiative if the caller may read it as a manager; 404 otherwise."""
    _manager(caller)
    row = await _select().where(InitiativeRow.id == initiative_id).first()
    if row is None:
        raise NotFoundException()
    company = as_uuid(row["company"]) if row["company"] else None
    if company is not None:
        ensure_reachable(caller, company, HR)
    elif row["status"] == "draft" and not caller.is_program_staff:
        raise NotFoundException()  # the program's draft
    return row  # type: ignore[no-any-return]


async def _row_for_editor(caller: Caller, initiative_id: UUID) -> dict[str, Any]:
    row = await row_for_manager(caller, initiative_id)
    if not caller.is_program_staff and row["company"] is None:
        raise PermissionDeniedException()  # readable, not theirs to change
    if row["status"] == "closed":
        raise InvalidInput({"status": _("This initiative is closed: it cannot be changed.")})
    return row


async def list_initiatives(caller: Caller) -> list[InitiativeSummary]:
    """The catalogue: every initiative for program staff; an HR manager's company's and the
    open ones for them."""
    _manager(caller)
    query = _select()
    if not caller.is_program_staff:
        query = query.where((InitiativeRow.company.is_null()
                             & (InitiativeRow.status != "draft"))
                            | InitiativeRow.company.is_in(list(_hr_companies(caller))))
    return await summaries(await query, exact=caller.is_program_staff)


async def get_initiative(caller: Caller, initiative_id: UUID) -> Initiative:
    row = await row_for_manager(caller, initiative_id)
    summary = (await summaries([row], exact=caller.is_program_staff))[0]
    seen = places.shown((await places.pool_states([as_uuid(row["pool"])])).get(
        as_uuid(row["pool"])) if row["pool"] else None, caller.is_program_staff)
    return Initiative(
        **{f: getattr(summary, f) for f in InitiativeSummary.__struct_fields__},
        description=row["description"],
        provider_id=as_uuid(row["provider"]) if row["provider"] else None,
        needs=from_json(row["needs"]), lab_id=as_uuid(row["lab"]) if row["lab"] else None,
        enrolled=seen.enrolled, offered=seen.offered,
        created_at=row["created_at"], can_edit=may_edit(caller, summary))


async def roster(caller: Caller, initiative_id: UUID) -> list[RosterSeat]:
    """Who holds a place, has an offer or waits, in order: program staff only, so the
    employer never learns who takes part."""
    row = await row_for_manager(caller, initiative_id)
    if not caller.is_program_staff:
        raise PermissionDeniedException()
    if not row["pool"]:
        return []
    seats = await places.roster(as_uuid(row["pool"]), ("enrolled", "offered", "waitlisted"))
    users = {as_uuid(u["id"]): u for u in await User.select(
        User.id, User.name, User.email).where(
        User.id.is_in([s.holder_id for s in seats]))} if seats else {}
    org_ids = [s.organization_id for s in seats if s.organization_id]
    orgs = {as_uuid(o["id"]): o["name"] for o in await Organization.select(
        Organization.id, Organization.name).where(Organization.id.is_in(org_ids))
    } if org_ids else {}
    order = {"enrolled": 0, "offered": 1, "waitlisted": 2}
    children = await children_of(initiative_id)
    return [RosterSeat(
        children=children.get(s.holder_id, []),
        name=users.get(s.holder_id, {}).get("name", ""),
        email=users.get(s.holder_id, {}).get("email"),
        company_name=orgs.get(s.organization_id, "") if s.organization_id else "",
        status=s.status, position=s.position, offered_until=s.offered_until)
        for s in sorted(seats, key=lambda s: (order[s.status], s.position or 0))]


async def children_of(initiative_id: UUID, user_id: UUID | None = None
                      ) -> dict[UUID, list[Child]]:
    """The children signed up to an initiative, by parent (one parent when `user_id`)."""
    query = InitiativeChild.select().where(InitiativeChild.initiative == initiative_id)
    if user_id is not None:
        query = query.where(InitiativeChild.user == user_id)
    found: dict[UUID, list[Child]] = {}
    for row in await query.order_by(InitiativeChild.id):
        found.setdefault(as_uuid(row["user"]), []).append(Child(row["first_name"], row["age"]))
    return found


async def _company_for(caller: Caller, wanted: UUID | None) -> UUID | None:
    """The company an initiative is for: any (or none) for program staff, an HR manager's
    own otherwise."""
    if caller.is_program_staff:
        if wanted is not None and not await Organization.exists().where(
                (Organization.id == wanted) & (Organization.kind == "company")):
            raise InvalidInput({"company_id": _("Choose a company from the list.")})
        return wanted
    mine = _hr_companies(caller)
    if not mine:
        raise PermissionDeniedException()
    if wanted is None:
        if len(mine) == 1:
            return next(iter(mine))
        raise InvalidInput({"company_id": _("Choose your company.")})
    if wanted not in mine:
        raise NotFoundException()
    return wanted


async def _provider(caller: Caller, data: InitiativeCreate | InitiativeUpdate,
                    errors: dict[str, str]) -> tuple[UUID | None, str, str]:
    name, kind = data.provider_name.strip(), data.provider_kind
    if data.provider_id is None:
        if not name:
            errors["provider_name"] = _("Write who offers the initiative.")
        if kind not in PROVIDER_KINDS:
            errors["provider_kind"] = _("Choose the kind of provider from the list.")
        return None, name, kind
    org = await Organization.select(Organization.name, Organization.kind).where(
        Organization.id == data.provider_id).first()
    allowed = org is not None and org["kind"] in PROVIDER_KIND_OF_ORG and (
        caller.is_program_staff or org["kind"] == "civic_center"
        or data.provider_id in _hr_companies(caller))
    if org is None or not allowed:
        errors["provider_id"] = _("Choose a provider from the list.")
        return None, name, kind
    return data.provider_id, name or org["name"], PROVIDER_KIND_OF_ORG[org["kind"]]


async def _values(caller: Caller, data: InitiativeCreate | InitiativeUpdate,
                  company: UUID | None) -> dict[Any, Any]:
    """The columns of a valid initiative; InvalidInput lists every problem at once."""
    errors: dict[str, str] = {}
    title = data.title.strip()
    if len(title) < 3:
        errors["title"] = _("Write a title of at least 3 characters.")
    for field, limit in LIMITS.items():
        if len(getattr(data, field).strip()) > limit:
            errors[field] = _("At most %(max)s characters.") % {"max": limit}
    types = await taxonomy.types_by_key()
    type_key = data.type_key.strip()
    if type_key and type_key not in types:
        errors["type_key"] = _("Choose a type from the list.")
    areas = list(dict.fromkeys(a.strip() for a in data.areas if a.strip()))
    if not areas and type_key in types:
        areas = list(types[type_key].areas)
    if not areas:
        errors["areas"] = _("Choose at least one need area.")
    elif any(area not in bank_areas() for area in areas):
        errors["areas"] = _("Choose need areas from the list.")
    towns = list(dict.fromkeys(t.strip() for t in data.towns if t.strip()))
    if company is None and not towns:
        errors["towns"] = _("Write at least one town: an initiative open to every company "
                            "is shown to the employees of companies in its towns.")
    elif len(towns) > MAX_TOWNS or any(len(t) > 100 for t in towns):
        errors["towns"] = _("At most %(max)s towns of at most 100 characters each.") % {
            "max": MAX_TOWNS}
    if data.audience not in AUDIENCES:
        errors["audience"] = _("Choose who the initiative is for.")
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = _("The end comes before the start.")
    _check_signups(data, errors)
    if not 1 <= data.capacity <= places.MAX_CAPACITY:
        errors["capacity"] = _("Places must be a whole number from 1 to %(max)s.") % {
            "max": places.MAX_CAPACITY}
    if not 0 <= data.cost_cents <= MAX_COST_CENTS:
        errors["cost_cents"] = _("The cost must be from 0 to 100,000 euros.")
    category = data.welfare_category or (types[type_key].welfare_category
                                         if type_key in types else None)
    if data.welfare_category and data.welfare_category not in await taxonomy.categories_by_key():
        errors["welfare_category"] = _("Choose a welfare category from the list.")
    provider, provider_name, provider_kind = await _provider(caller, data, errors)
    if errors:
        raise InvalidInput(errors)
    return {
        InitiativeRow.title: title, InitiativeRow.description: data.description.strip(),
        InitiativeRow.type_key: type_key, InitiativeRow.areas: areas,
        InitiativeRow.towns: towns, InitiativeRow.audience: data.audience,
        InitiativeRow.schedule: data.schedule.strip(), InitiativeRow.place: data.place.strip(),
        InitiativeRow.starts_on: data.starts_on, InitiativeRow.ends_on: data.ends_on,
        InitiativeRow.signup_opens_on: data.signup_opens_on,
        InitiativeRow.signup_closes_on: data.signup_closes_on,
        InitiativeRow.cost_cents: data.cost_cents, InitiativeRow.cost_note: data.cost_note.strip(),
        InitiativeRow.payment_note: data.payment_note.strip(),
        InitiativeRow.welfare_category: category, InitiativeRow.provider: provider,
        InitiativeRow.provider_name: provider_name, InitiativeRow.provider_kind: provider_kind,
    }


def _check_signups(data: InitiativeCreate | InitiativeUpdate, errors: dict[str, str]) -> None:
    opens, closes = data.signup_opens_on, data.signup_closes_on
    if opens and closes and closes < opens:
        errors["signup_closes_on"] = _("Sign-ups close before they open.")
    elif closes and data.ends_on and closes > data.ends_on:
        errors["signup_closes_on"] = _("Sign-ups close after the initiative ends.")
    elif opens and data.ends_on and opens > data.ends_on:
        errors["signup_opens_on"] = _("Sign-ups open after the initiative ends.")


def missing_to_publish(row: dict[str, Any]) -> dict[str, str]:
    """What an initiative lacks before people may see it: its dates, its place and a
    description written by a person (a draft from a proposal has none)."""
    errors = {}
    if not row["starts_on"]:
        errors["starts_on"] = _("Write the day it starts.")
    if not row["ends_on"]:
        errors["ends_on"] = _("Write the day it ends.")
    if not (row["place"] or "").strip():
        errors["place"] = _("Write where it takes place.")
    if not (row["description"] or "").strip():
        errors["description"] = _("Write a description for the people it is for: what "
                                  "they will do, for whom, how to take part.")
    return errors


def _as_row(values: dict[Any, Any]) -> dict[str, Any]:
    return {column._meta.name: value for column, value in values.items()}


async def _lab_for(caller: Caller, lab_id: UUID | None) -> UUID | None:
    if lab_id is None:
        return None
    lab = await Lab.select(Lab.company, Lab.scope, Lab.town).where(Lab.id == lab_id).first()
    if lab is None:
        raise InvalidInput({"lab_id": _("This community lab does not exist.")})
    if caller.is_program_staff:
        return lab_id
    # As on /labs: an HR manager reaches their company's workplace labs and the town labs
    # of its town, nothing else.
    mine = _hr_companies(caller)
    if lab["scope"] == "workplace" or lab["company"]:
        reached = lab["company"] is not None and as_uuid(lab["company"]) in mine
    else:
        towns = {row["town"] for row in await Organization.select(Organization.town).where(
            Organization.id.is_in(list(mine) or [None]) & (Organization.kind == "company"))}
        reached = bool(lab["town"]) and lab["town"] in towns
    if not reached:
        raise NotFoundException()
    return lab_id


async def create_initiative(caller: Caller, data: InitiativeCreate) -> UUID:
    """Add an initiative with its places: a draft that only its managers see, or published
    at once (`data.publish`) when it has its dates, place and description."""
    _manager(caller)
    company = await _company_for(caller, data.company_id)
    values = await _values(caller, data, company)
    if data.publish and (missing := missing_to_publish(_as_row(values))):
        raise InvalidInput(missing)
    lab = await _lab_for(caller, data.lab_id)
    initiative_id = uuid4()
    async with transaction():
        pool = await places.create_pool(OWNER, data.capacity)
        row = InitiativeRow(id=initiative_id, company=company, pool=pool, lab=lab,
                            needs=to_json(data.needs),
                            status="published" if data.publish else "draft",
                            created_by=caller.user_id)
        for column, value in values.items():
            setattr(row, column._meta.name, value)
        await row.save()
        await audit.record("initiative.created", caller.user_id, company,
                           initiative_id=str(initiative_id), title=row.title,
                           status=row.status)
    return initiative_id


async def publish_initiative(caller: Caller, initiative_id: UUID) -> Initiative:
    """Show a draft to the people it is for and open its sign-ups; InvalidInput names what
    it still lacks."""
    row = await _row_for_editor(caller, initiative_id)
    if row["status"] != "draft":
        raise InvalidInput({"status": _("This initiative is already published.")})
    if missing := missing_to_publish(row):
        raise InvalidInput(missing)
    company = as_uuid(row["company"]) if row["company"] else None
    async with transaction():
        await InitiativeRow.update({InitiativeRow.status: "published"}).where(
            (InitiativeRow.id == initiative_id) & (InitiativeRow.status == "draft"))
        await audit.record("initiative.published", caller.user_id, company,
                           initiative_id=str(initiative_id))
    return await get_initiative(caller, initiative_id)


async def update_initiative(caller: Caller, initiative_id: UUID, data: InitiativeUpdate
                            ) -> Initiative:
    """Change an initiative; more places go to the waitlist first, fewer than those taken
    is refused."""
    row = await _row_for_editor(caller, initiative_id)
    company = as_uuid(row["company"]) if row["company"] else None
    values = await _values(caller, data, company)
    if row["status"] == "published" and (missing := missing_to_publish(_as_row(values))):
        raise InvalidInput(missing)  # people see it: it keeps its dates, place, description
    async with transaction():
        await InitiativeRow.update(values).where(InitiativeRow.id == initiative_id)
        if row["pool"]:
            await places.set_capacity(as_uuid(row["pool"]), data.capacity)
        else:
            pool = await places.create_pool(OWNER, data.capacity)
            await InitiativeRow.update({InitiativeRow.pool: pool}).where(
                InitiativeRow.id == initiative_id)
        await audit.record("initiative.updated", caller.user_id, company,
                           initiative_id=str(initiative_id), capacity=data.capacity)
    return await get_initiative(caller, initiative_id)


async def close_initiative(caller: Caller, initiative_id: UUID) -> Initiative:
    """No more sign-ups: the waitlist ends; people with a place or an offer keep it."""
    row = await _row_for_editor(caller, initiative_id)
    company = as_uuid(row["company"]) if row["company"] else None
    async with transaction():
        await InitiativeRow.update({InitiativeRow.status: "closed"}).where(
            InitiativeRow.id == initiative_id)
        if row["pool"]:
            pool = as_uuid(row["pool"])
            for seat in await places.roster(pool, ("waitlisted",)):
                await places.leave(pool, seat.holder_kind, seat.holder_id)
        await audit.record("initiative.closed", caller.user_id, company,
                           initiative_id=str(initiative_id))
    return await get_initiative(caller, initiative_id)


async def provider_choices(caller: Caller) -> list[dict[str, Any]]:
    """Organizations that can be named as provider: Civic Centers, and companies (every one
    for program staff, their own for an HR manager)."""
    query = Organization.select(Organization.id, Organization.name, Organization.kind).where(
        Organization.kind.is_in(["civic_center", "company"])).order_by(
        Organization.kind).order_by(Organization.name)
    rows = await query
    if caller.is_program_staff:
        return rows  # type: ignore[no-any-return]
    mine = _hr_companies(caller)
    return [r for r in rows if r["kind"] == "civic_center" or as_uuid(r["id"]) in mine]


async def company_choices(caller: Caller) -> list[dict[str, Any]]:
    """Companies an initiative can be reserved to."""
    rows = await Organization.select(Organization.id, Organization.name).where(
        Organization.kind == "company").order_by(Organization.name)
    if caller.is_program_staff:
        return rows  # type: ignore[no-any-return]
    mine = _hr_companies(caller)
    return [r for r in rows if as_uuid(r["id"]) in mine]


# Who sees what -------------------------------------------------------------------------


async def initiatives_answering(areas: list[str], town: str | None, company_id: UUID | None
                                ) -> list[InitiativeSummary]:
    """Published initiatives serving any of `areas` that the employees of `company_id` in
    `town` can see: the company's own, and the open ones of the town (any town when None)."""
    wanted = set(areas)
    rows = await _select().where(InitiativeRow.status == "published")
    found = []
    for row in rows:
        if not wanted.intersection(row["areas"] or []):
            continue
        company = as_uuid(row["company"]) if row["company"] else None
        if company is not None and company != company_id:
            continue
        if company is None and town is not None and not town_matches(row["towns"] or [], town):
            continue
        found.append(row)
    return await summaries(found)


async def participation(caller: Caller, company_id: UUID) -> Participation:
    """How many of the company's employees hold a place in each initiative they can see:
    a count below the group threshold is hidden, and no name is ever given."""
    ensure_reachable(caller, company_id, HR)
    company = await Organization.select(Organization.name, Organization.town).where(
        (Organization.id == company_id) & (Organization.kind == "company")).first()
    if company is None:
        raise NotFoundException()
    rows = await _select().where(InitiativeRow.status != "draft").where(
        InitiativeRow.company.is_null() | (InitiativeRow.company == company_id))
    rows = [r for r in rows if r["company"] or town_matches(r["towns"] or [], company["town"])]
    counts = await places.counts_by_organization([as_uuid(r["pool"]) for r in rows if r["pool"]])
    threshold = (await thresholds()).group
    result = []
    for r in rows:
        count = counts.get((as_uuid(r["pool"]), company_id), 0) if r["pool"] else 0
        hidden = count < threshold
        result.append(ParticipationRow(
            initiative_id=as_uuid(r["id"]), title=r["title"], status=r["status"],
            company_only=r["company"] is not None, enrolled=None if hidden else count,
            hidden=hidden))
    return Participation(company_id=company_id, company_name=company["name"],
                         threshold=threshold, rows=result)
