"""The employee's side of initiatives: what they can see, signing up, the waitlist, offers.

An employee sees the published initiatives of their company and the open ones of its
town. Another company's initiative, or one of another town, does not exist for them
(404). Places are taken through `app.places`, whose single conditional UPDATE makes sure
two people never take the same last place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from litestar.exceptions import NotFoundException

from app import places
from app.auth.caller import Caller
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.roles import EMPLOYEE, HR_MANAGER
from app.tables import Organization
from app.values import as_uuid
from community.initiatives.schemas import MyInitiative, MySeat
from community.initiatives.service import summaries, town_matches
from community.tables import Initiative as InitiativeRow

EMPLOYEE_ROLES = (EMPLOYEE, HR_MANAGER)
HOLDER = "user"


@dataclass(frozen=True)
class Workplace:
    company_id: UUID
    name: str
    town: str


async def workplaces(caller: Caller) -> list[Workplace]:
    """The companies the caller works for (as an employee or an HR manager)."""
    ids = list(caller.organization_ids(*EMPLOYEE_ROLES))
    if not ids:
        return []
    rows = await Organization.select(Organization.id, Organization.name, Organization.town).where(
        Organization.id.is_in(ids) & (Organization.kind == "company")).order_by(Organization.name)
    return [Workplace(as_uuid(r["id"]), r["name"], r["town"]) for r in rows]


def _workplace_for(row: dict[str, Any], mine: list[Workplace]) -> Workplace | None:
    """Through which of the caller's companies the initiative reaches them, if any."""
    if row["company"]:
        company = as_uuid(row["company"])
        return next((w for w in mine if w.company_id == company), None)
    return next((w for w in mine if town_matches(row["towns"] or [], w.town)), None)


def _seat(info: places.SeatInfo | None) -> MySeat | None:
    if info is None:
        return None
    return MySeat(status=info.status, position=info.position, offered_until=info.offered_until)


async def _mine(caller: Caller, rows: list[dict[str, Any]]) -> list[MyInitiative]:
    seats = {s.pool_id: s for s in await places.seats_of_holders(HOLDER, [caller.user_id])}
    result = []
    for row, summary in zip(rows, await summaries(rows), strict=True):
        seat = seats.get(as_uuid(row["pool"])) if row["pool"] else None
        active = seat is not None and seat.status in places.ACTIVE
        result.append(MyInitiative(
            initiative=summary, description=row["description"], seat=_seat(seat),
            can_join=row["status"] == "published" and bool(row["pool"]) and not active))
    return result


async def my_initiatives(caller: Caller) -> list[MyInitiative]:
    """The published initiatives the caller can join, with their own place if any."""
    mine = await workplaces(caller)
    if not mine:
        return []
    rows = await InitiativeRow.select().where(
        (InitiativeRow.status == "published")
        & (InitiativeRow.company.is_null()
           | InitiativeRow.company.is_in([w.company_id for w in mine]))
    ).order_by(InitiativeRow.starts_on).order_by(InitiativeRow.title).output(load_json=True)
    return await _mine(caller, [r for r in rows if _workplace_for(r, mine)])


async def _visible_row(caller: Caller, initiative_id: UUID) -> tuple[dict[str, Any], Workplace]:
    """The initiative as the caller sees it; 404 for another company's or town's, and for a
    closed one they never had a place in."""
    row = await InitiativeRow.select().where(InitiativeRow.id == initiative_id).output(
        load_json=True).first()
    workplace = _workplace_for(row, await workplaces(caller)) if row else None
    if row is None or workplace is None or row["status"] == "draft":
        raise NotFoundException()
    if row["status"] == "closed" and (not row["pool"] or await places.seat_of(
            as_uuid(row["pool"]), HOLDER, caller.user_id) is None):
        raise NotFoundException()
    return row, workplace


async def my_initiative(caller: Caller, initiative_id: UUID) -> MyInitiative:
    row, _workplace = await _visible_row(caller, initiative_id)
    return (await _mine(caller, [row]))[0]


Action = Callable[[dict[str, Any], Workplace, Caller], Awaitable[Any]]


async def _act(caller: Caller, initiative_id: UUID, action: Action) -> MyInitiative:
    async with transaction():
        row, workplace = await _visible_row(caller, initiative_id)
        if not row["pool"]:
            raise InvalidInput({"initiative": _("This initiative has no places.")})
        await action(row, workplace, caller)
    return await my_initiative(caller, initiative_id)


async def _join(row: dict[str, Any], workplace: Workplace, caller: Caller) -> None:
    if row["status"] != "published":
        raise InvalidInput({"initiative": _("This initiative is closed: no more sign-ups.")})
    await places.request_place(as_uuid(row["pool"]), HOLDER, caller.user_id,
                               workplace.company_id)


async def _leave(row: dict[str, Any], workplace: Workplace, caller: Caller) -> None:
    await places.leave(as_uuid(row["pool"]), HOLDER, caller.user_id)


async def _accept(row: dict[str, Any], workplace: Workplace, caller: Caller) -> None:
    await places.accept_offer(as_uuid(row["pool"]), HOLDER, caller.user_id)


async def _decline(row: dict[str, Any], workplace: Workplace, caller: Caller) -> None:
    await places.decline_offer(as_uuid(row["pool"]), HOLDER, caller.user_id)


async def join(caller: Caller, initiative_id: UUID) -> MyInitiative:
    """Take a free place, or a place on the waitlist when the initiative is full."""
    return await _act(caller, initiative_id, _join)


async def leave(caller: Caller, initiative_id: UUID) -> MyInitiative:
    """Give up one's place or place in line; a freed place is offered to the next person."""
    return await _act(caller, initiative_id, _leave)


async def accept_offer(caller: Caller, initiative_id: UUID) -> MyInitiative:
    return await _act(caller, initiative_id, _accept)


async def decline_offer(caller: Caller, initiative_id: UUID) -> MyInitiative:
    return await _act(caller, initiative_id, _decline)
