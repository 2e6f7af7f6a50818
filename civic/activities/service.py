"""Civic Center activities: operators publish them, schools read the published ones.

An operator (role civic_center_operator at a Civic Center) manages their Civic Center's
activities; program staff manage every one. Anything else is out of reach: 404. Places
live in a `PlacePool` (owner_kind "activity") from `app.places`: the activity's capacity
is the pool's, and lowering it below the places taken is refused there.

Other domains read activities with `published_activities` and `activity_info`, which
take no caller: the activities themselves are public to the program's schools.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, TypeGuard
from uuid import UUID

import msgspec
from litestar.exceptions import NotFoundException

from app import places
from app.audit import record
from app.auth.caller import Caller
from app.clock import now
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.roles import CIVIC_CENTER_OPERATOR
from app.tables import Organization
from app.tenancy import ensure_reachable, scoped
from app.values import as_uuid
from civic.activities.schemas import (
    CATEGORIES,
    COST_KINDS,
    GRADES,
    LANGUAGES,
    MAX_AGE,
    MAX_CAPACITY,
    MAX_FEE_BANDS,
    MIN_AGE,
    ActivityCreate,
    ActivityInfo,
    ActivityUpdate,
    CenterChoice,
    FeeBand,
)
from civic.tables import Activity

OPERATOR = CIVIC_CENTER_OPERATOR
OWNER_KIND = "activity"
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# The fields an activity row takes from the input, as they are stored.
FIELDS = ("title", "category", "description", "min_age", "max_age", "grades", "days",
          "start_time", "end_time", "starts_on", "ends_on", "place", "town", "cost_kind",
          "cost_cents", "fee_bands", "accessibility", "languages")
MAX_FEE_CENTS = 10_000_000  # 100,000 euros, as for initiatives
LIMITS = {"title": 200, "place": 200, "town": 100, "description": 4000, "accessibility": 1000}


# Validation ------------------------------------------------------------------------------


def input_errors(values: dict[str, Any]) -> dict[str, str]:
    """What is wrong with an activity's values (all fields and `capacity`), per field."""
    return _clean(values)[1]


def _clean(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The values as stored, and the messages of those that cannot be."""
    errors: dict[str, str] = {}
    clean = dict(values)
    for name, limit in LIMITS.items():
        clean[name] = str(values.get(name) or "").strip()
        if len(clean[name]) > limit:
            errors[name] = _("At most %(max)s characters.") % {"max": limit}
    if not clean["title"]:
        errors["title"] = _("Enter the activity's title.")
    if not clean["town"]:
        errors["town"] = _("Enter the town where the activity takes place.")
    if not clean["place"]:
        errors["place"] = _("Enter where the activity takes place (address or building).")
    if values.get("category") not in CATEGORIES:
        errors["category"] = _("Choose a category from the list.")
    _check_audience(values, clean, errors)
    _check_schedule(values, clean, errors)
    _check_cost(values, clean, errors)
    capacity = values.get("capacity")
    if not _is_int(capacity) or not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = _("Places go from 1 to %(max)s.") % {"max": MAX_CAPACITY}
    languages = values.get("languages") or []
    if not languages:
        errors["languages"] = _("Choose at least one language spoken at the activity.")
    elif any(code not in LANGUAGES for code in languages):
        errors["languages"] = _("Choose the languages from the list.")
    else:
        clean["languages"] = [code for code in LANGUAGES if code in languages]
    return clean, errors


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_audience(values: dict[str, Any], clean: dict[str, Any],
                    errors: dict[str, str]) -> None:
    low, high = values.get("min_age"), values.get("max_age")
    for name, age in (("min_age", low), ("max_age", high)):
        if age is not None and (not _is_int(age) or not MIN_AGE <= age <= MAX_AGE):
            errors[name] = _("Ages go from %(min)s to %(max)s years.") % {
                "min": MIN_AGE, "max": MAX_AGE}
    if "min_age" not in errors and "max_age" not in errors and low is not None \
            and high is not None and low > high:
        errors["max_age"] = _("The highest age cannot be below the lowest.")
    grades = values.get("grades") or []
    if any(grade not in GRADES for grade in grades):
        errors["grades"] = _("Choose the school grades from the list.")
    clean["grades"] = [grade for grade in GRADES if grade in grades]
    if low is None and high is None and not grades:
        errors["min_age"] = _("Say whom the activity is for: ages, school grades, or both.")


def _check_schedule(values: dict[str, Any], clean: dict[str, Any],
                    errors: dict[str, str]) -> None:
    days = values.get("days") or []
    if not days:
        errors["days"] = _("Choose at least one day of the week.")
    elif any(not _is_int(day) or not 0 <= day <= 6 for day in days):
        errors["days"] = _("Days of the week go from 0 (Monday) to 6 (Sunday).")
    else:
        clean["days"] = sorted(set(days))
    start, end = values.get("start_time") or "", values.get("end_time") or ""
    for name, moment in (("start_time", start), ("end_time", end)):
        if not TIME.match(str(moment)):
            errors[name] = _("Enter a time as HH:MM, like 16:30.")
    if "start_time" not in errors and "end_time" not in errors and end <= start:
        errors["end_time"] = _("The activity must end after it starts.")
    starts_on, ends_on = values.get("starts_on"), values.get("ends_on")
    if not isinstance(starts_on, date):
        errors["starts_on"] = _("Enter the first day of the activity.")
    if not isinstance(ends_on, date):
        errors["ends_on"] = _("Enter the last day of the activity.")
    elif isinstance(starts_on, date) and ends_on < starts_on:
        errors["ends_on"] = _("The last day cannot be before the first.")


def _check_cost(values: dict[str, Any], clean: dict[str, Any], errors: dict[str, str]) -> None:
    kind = values.get("cost_kind")
    cents = values.get("cost_cents") or 0
    bands = [band if isinstance(band, FeeBand) else msgspec.convert(band, FeeBand)
             for band in values.get("fee_bands") or []]
    if kind not in COST_KINDS:
        errors["cost_kind"] = _("Choose whether the activity is free, has a fee, or a fee "
                                "by ISEE band.")
        return
    clean["cost_cents"] = cents if kind == "fixed" else 0
    clean["fee_bands"] = [msgspec.to_builtins(band) for band in bands] if kind == "isee" else []
    if kind == "fixed" and (not _is_int(cents) or cents < 0):
        errors["cost_cents"] = _("Enter the fee: an amount of euros, zero or more.")
    elif kind == "fixed" and cents > MAX_FEE_CENTS:
        errors["cost_cents"] = _too_costly()
    if kind == "isee":
        problem = _band_problem(bands)
        if problem:
            errors["fee_bands"] = problem


def _too_costly() -> str:
    # The column holds a 32-bit integer: a larger amount would crash the database write.
    return _("The cost must be from 0 to 100,000 euros.")


def _band_problem(bands: list[FeeBand]) -> str | None:
    if not bands:
        return _("Enter at least one ISEE band with its fee.")
    if len(bands) > MAX_FEE_BANDS:
        return _("At most %(max)s ISEE bands.") % {"max": MAX_FEE_BANDS}
    if any(not _is_int(band.fee_cents) or band.fee_cents < 0 for band in bands):
        return _("A band's fee cannot be negative.")
    if any(band.fee_cents > MAX_FEE_CENTS for band in bands):
        return _too_costly()
    limits = [band.isee_up_to for band in bands]
    if None in limits[:-1] or any(limit is not None and limit < 0 for limit in limits):
        return _("Each band but the last needs an ISEE limit of zero euros or more.")
    given = [limit for limit in limits if limit is not None]
    if any(later <= earlier for earlier, later in zip(given, given[1:], strict=False)):
        return _("ISEE bands go up: each limit must be above the one before.")
    return None


# Reading ---------------------------------------------------------------------------------


def _select() -> Any:
    return Activity.select(*Activity.all_columns(),
                           Activity.civic_center.name.as_alias("center_name")
                           ).output(load_json=True)


async def _infos(rows: list[dict[str, Any]]) -> list[ActivityInfo]:
    states = await places.pool_states(as_uuid(row["pool"]) for row in rows if row["pool"])
    infos = []
    for row in rows:
        state = states.get(as_uuid(row["pool"])) if row["pool"] else None
        infos.append(ActivityInfo(
            id=as_uuid(row["id"]), civic_center_id=as_uuid(row["civic_center"]),
            civic_center_name=row["center_name"],
            **{name: row[name] for name in FIELDS if name != "fee_bands"},
            fee_bands=msgspec.convert(row["fee_bands"] or [], list[FeeBand]),
            status=row["status"], pool_id=as_uuid(row["pool"]) if row["pool"] else None,
            capacity=state.capacity if state else 0,
            enrolled=state.enrolled if state else 0, offered=state.offered if state else 0,
            waitlisted=state.waitlisted if state else 0,
            places_left=state.places_left if state else 0))
    return infos


def _ordered(query: Any) -> Any:
    return query.order_by(Activity.starts_on).order_by(Activity.title)


async def activity_info(activity_id: UUID) -> ActivityInfo:
    """Any activity, for other services (NotFoundException when there is none)."""
    rows = await _select().where(Activity.id == activity_id)
    if not rows:
        raise NotFoundException()
    return (await _infos(rows))[0]


async def activity_infos(activity_ids: list[UUID]) -> dict[UUID, ActivityInfo]:
    """Several activities by id, for other services' lists."""
    if not activity_ids:
        return {}
    rows = await _select().where(Activity.id.is_in(list(activity_ids)))
    return {info.id: info for info in await _infos(rows)}


async def published_activities(town: str | None = None) -> list[ActivityInfo]:
    """Published activities that have not ended, in `town` when given (any case)."""
    query = _select().where(Activity.status == "published")
    query = query.where(Activity.ends_on.is_null() | (Activity.ends_on >= now().date()))
    rows = await _ordered(query)
    if town:
        # Compared here, not in SQL: SQLite's LIKE ignores the case of ASCII letters only.
        wanted = town.strip().casefold()
        rows = [row for row in rows if row["town"].strip().casefold() == wanted]
    return await _infos(rows)


async def center_choices(caller: Caller) -> list[CenterChoice]:
    """The Civic Centers the caller publishes activities for (all, for program staff)."""
    query = Organization.select(Organization.id, Organization.name, Organization.town).where(
        Organization.kind == "civic_center").order_by(Organization.name)
    rows = await scoped(query, Organization.id, caller, OPERATOR)
    return [CenterChoice(as_uuid(row["id"]), row["name"], row["town"]) for row in rows]


async def center_of(caller: Caller, center_id: UUID) -> CenterChoice:
    """A Civic Center the caller may reach; 404 otherwise."""
    ensure_reachable(caller, center_id, OPERATOR)
    row = await Organization.select(Organization.id, Organization.name, Organization.town).where(
        (Organization.id == center_id) & (Organization.kind == "civic_center")).first()
    if row is None:
        raise NotFoundException()
    return CenterChoice(as_uuid(row["id"]), row["name"], row["town"])


async def list_activities(caller: Caller, center_id: UUID | None = None,
                          status: str | None = None) -> list[ActivityInfo]:
    """The activities the caller manages, of one Civic Center and status when given."""
    query = scoped(_select(), Activity.civic_center, caller, OPERATOR)
    if center_id is not None:
        query = query.where(Activity.civic_center == center_id)
    if status:
        query = query.where(Activity.status == status)
    return await _infos(await _ordered(query))


async def managed_row(caller: Caller, activity_id: UUID) -> dict[str, Any]:
    """The activity's row if the caller manages it (for the civic modules); 404 otherwise."""
    query = scoped(Activity.select().where(Activity.id == activity_id).output(load_json=True),
                   Activity.civic_center, caller, OPERATOR)
    row = await query.first()
    if row is None:
        raise NotFoundException()
    return row


async def get_activity(caller: Caller, activity_id: UUID) -> ActivityInfo:
    """One activity the caller manages; 404 when out of reach."""
    await managed_row(caller, activity_id)
    return await activity_info(activity_id)


# Changes ---------------------------------------------------------------------------------


async def _target_center(caller: Caller, center_id: UUID | None) -> UUID:
    if center_id is not None:
        return (await center_of(caller, center_id)).id
    choices = await center_choices(caller)
    if len(choices) != 1:
        raise InvalidInput({"civic_center_id": _("Choose the Civic Center.")})
    return choices[0].id


async def create_activity(caller: Caller, data: ActivityCreate) -> ActivityInfo:
    """A new activity with its places; a draft unless `publish`."""
    center_id = await _target_center(caller, data.civic_center_id)
    values, errors = _clean(msgspec.structs.asdict(data))
    if errors:
        raise InvalidInput(errors)
    async with transaction():
        pool_id = await places.create_pool(OWNER_KIND, values["capacity"])
        activity = Activity(civic_center=center_id, pool=pool_id,
                            status="published" if data.publish else "draft",
                            **{name: values[name] for name in FIELDS})
        await activity.save()
        await record("activity.created", caller.user_id, center_id,
                     activity_id=str(activity.id), title=values["title"])
    return await activity_info(as_uuid(activity.id))


async def update_activity(caller: Caller, activity_id: UUID,
                          data: ActivityUpdate) -> ActivityInfo:
    """Change the fields given; places cannot go below those taken."""
    row = await managed_row(caller, activity_id)
    current = await activity_info(activity_id)
    values = {name: row[name] for name in FIELDS}
    values["capacity"] = current.capacity
    changes = {name: value for name, value in msgspec.structs.asdict(data).items()
               if value is not msgspec.UNSET}
    values, errors = _clean({**values, **changes})
    if errors:
        raise InvalidInput(errors)
    async with transaction():
        if row["pool"] and values["capacity"] != current.capacity:
            await places.set_capacity(as_uuid(row["pool"]), values["capacity"])
        await Activity.update({**{getattr(Activity, name): values[name] for name in FIELDS},
                               Activity.updated_at: now()}).where(Activity.id == activity_id)
        await record("activity.updated", caller.user_id, as_uuid(row["civic_center"]),
                     activity_id=str(activity_id), fields=sorted(changes))
    return await activity_info(activity_id)


async def publish_activity(caller: Caller, activity_id: UUID) -> ActivityInfo:
    """Show the activity to the schools (also reopens a closed one)."""
    return await _set_status(caller, activity_id, "published")


async def close_activity(caller: Caller, activity_id: UUID) -> ActivityInfo:
    """Take no new pupils: schools no longer see it; its roster stays."""
    return await _set_status(caller, activity_id, "closed")


async def _set_status(caller: Caller, activity_id: UUID, status: str) -> ActivityInfo:
    async with transaction():
        row = await managed_row(caller, activity_id)
        if row["status"] != status:
            await Activity.update({Activity.status: status, Activity.updated_at: now()}).where(
                Activity.id == activity_id)
            await record(f"activity.{status}", caller.user_id, as_uuid(row["civic_center"]),
                         activity_id=str(activity_id))
    return await activity_info(activity_id)
