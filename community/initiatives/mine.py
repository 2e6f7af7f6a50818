"""The employee's side of initiatives: what they can see, signing up, the waitlist, offers.

An employee sees the published initiatives of their company and the open ones of its
town. Another company's initiative, or one of another town, does not exist for them
(404). Places are taken through `app.places`, whose single conditional UPDATE makes sure
two people never take the same last place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from babel.dates import format_date
from babel.numbers import format_currency
from litestar.exceptions import NotFoundException

from app import places
from app.auth.caller import Caller
from app.dates import day
from app.db import transaction
from app.errors import InvalidInput
from app.i18n import _
from app.mail import send_mail
from app.roles import EMPLOYEE, HR_MANAGER
from app.settings import get_settings
from app.tables import Organization, User
from app.values import as_uuid
from community.initiatives.schemas import Child, MyInitiative, MySeat
from community.initiatives.service import (
    children_of,
    for_children,
    signup_state,
    summaries,
    town_matches,
)
from community.tables import Initiative as InitiativeRow
from community.tables import InitiativeChild

EMPLOYEE_ROLES = (EMPLOYEE, HR_MANAGER)
HOLDER = "user"
MAX_CHILDREN = 6
CONFIRMATION_MAIL = "initiative_confirmation"


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
        children = (await children_of(summary.id, caller.user_id)).get(caller.user_id, []) if (
            summary.for_children and active) else []
        result.append(MyInitiative(
            initiative=summary, description=row["description"], seat=_seat(seat),
            can_join=summary.signup == "open" and bool(row["pool"]) and not active,
            children=children))
    return result


def _first(item: MyInitiative) -> int:
    """A place offered to the person comes first: it waits for their answer."""
    return 0 if item.seat is not None and item.seat.status == "offered" else 1


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
    found = await _mine(caller, [r for r in rows if _workplace_for(r, mine)])
    # An ended initiative stays only for those who took part in it.
    found = [i for i in found if i.initiative.signup != "ended" or (
        i.seat is not None and i.seat.status in places.HOLDING)]
    return sorted(found, key=_first)


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


def checked_children(children: list[Child]) -> list[Child]:
    """The children named for a children's initiative: a first name and an age under 18
    each; InvalidInput (field "children") otherwise."""
    named = [Child(c.first_name.strip(), c.age) for c in children if c.first_name.strip()]
    if not named:
        raise InvalidInput({"children": _("Write the first name and age of each child who "
                                          "will take part.")})
    if len(named) > MAX_CHILDREN:
        raise InvalidInput({"children": _("At most %(max)s children at a time.") % {
            "max": MAX_CHILDREN}})
    if any(len(c.first_name) > 60 or not 0 <= c.age <= 17 for c in named):
        raise InvalidInput({"children": _("Each child needs a first name (at most 60 "
                                          "characters) and an age from 0 to 17.")})
    return named


def _signups_open(row: dict[str, Any]) -> None:
    state = signup_state(row)
    if state == "soon":
        raise InvalidInput({"initiative": _("Sign-ups open on %(day)s.") % {
            "day": day(row["signup_opens_on"])}})
    if state == "over":
        raise InvalidInput({"initiative": _("Sign-ups closed on %(day)s.") % {
            "day": day(row["signup_closes_on"])}})
    if state == "ended":
        raise InvalidInput({"initiative": _("This initiative has ended: no more sign-ups.")})
    if state != "open":
        raise InvalidInput({"initiative": _("This initiative is closed: no more sign-ups.")})


def _joining(children: list[Child]) -> Action:
    async def join(row: dict[str, Any], workplace: Workplace, caller: Caller) -> None:
        _signups_open(row)
        named = checked_children(children) if for_children(row) else []
        before = await places.seat_of(as_uuid(row["pool"]), HOLDER, caller.user_id)
        # Each child takes a place of their own; nobody else comes to a children's one.
        seat = await places.request_place(as_uuid(row["pool"]), HOLDER, caller.user_id,
                                          workplace.company_id, places=max(len(named), 1))
        if before is not None and before.status in places.ACTIVE:
            return  # signed up already: nothing changes, no second mail
        await _forget_children(row, caller)
        for child in named:
            await InitiativeChild(initiative=row["id"], user=caller.user_id,
                                  first_name=child.first_name, age=child.age).save()
        await _mail_confirmation(row, caller, seat, len(named))
    return join


async def _forget_children(row: dict[str, Any], caller: Caller) -> None:
    await InitiativeChild.delete().where((InitiativeChild.initiative == row["id"])
                                         & (InitiativeChild.user == caller.user_id))


async def _mail_confirmation(row: dict[str, Any], caller: Caller, seat: places.SeatInfo,
                             children: int) -> None:
    """Tell the person what they signed up for, what it costs and how to pay: through the
    outbox, in this transaction. Children are counted, never named, in the job."""
    user = await User.select(User.email, User.name, User.language).where(
        User.id == caller.user_id).first()
    if user is None or not user["email"]:
        return  # no mailbox: the page says it all
    language = user["language"] or get_settings().language
    summary = (await summaries([row], language))[0]
    cost = format_currency(Decimal(row["cost_cents"]) / 100, "EUR", locale=language) if row[
        "cost_cents"] else ""
    await send_mail(user["email"], CONFIRMATION_MAIL, language, {
        "name": user["name"] or "", "title": row["title"],
        "waitlisted": seat.status == "waitlisted", "position": seat.position or 0,
        "children": children, "cost": cost, "cost_note": row["cost_note"],
        "welfare_plan": summary.welfare_plan, "welfare_label": summary.welfare_label,
        "payment_note": row["payment_note"], "place": row["place"],
        "starts_on": _long_day(row["starts_on"], language),
        "ends_on": _long_day(row["ends_on"], language),
        "link": f"{get_settings().base_url}/me/initiatives/{row['id']}"})


def _long_day(day: date | None, language: str) -> str:
    return format_date(day, format="long", locale=language) if day else ""


async def _leave(row: dict[str, Any], workplace: Workplace, caller: Caller) -> None:
    await places.leave(as_uuid(row["pool"]), HOLDER, caller.user_id)
    await _forget_children(row, caller)


async def _accept(row: dict[str, Any], workplace: Workplace, caller: Caller) -> None:
    if signup_state(row) == "ended":
        raise InvalidInput({"initiative": _("This initiative has ended: no more sign-ups.")})
    await places.accept_offer(as_uuid(row["pool"]), HOLDER, caller.user_id)


async def _decline(row: dict[str, Any], workplace: Workplace, caller: Caller) -> None:
    await places.decline_offer(as_uuid(row["pool"]), HOLDER, caller.user_id)


async def join(caller: Caller, initiative_id: UUID,
               children: list[Child] | None = None) -> MyInitiative:
    """Take a free place, or a place on the waitlist when the initiative is full; a
    children's initiative needs the children who come. A confirmation mail follows."""
    return await _act(caller, initiative_id, _joining(children or []))


async def leave(caller: Caller, initiative_id: UUID) -> MyInitiative:
    """Give up one's place or place in line; a freed place is offered to the next person."""
    return await _act(caller, initiative_id, _leave)


async def accept_offer(caller: Caller, initiative_id: UUID) -> MyInitiative:
    return await _act(caller, initiative_id, _accept)


async def decline_offer(caller: Caller, initiative_id: UUID) -> MyInitiative:
    return await _act(caller, initiative_id, _decline)
