"""Places: capacity, waitlists and offers with a deadline.

One mechanism for everything people enrol in: conciliation initiatives (holders are
users) and Civic Center activities (holders are pupils). A pool has a capacity and a
`taken` count (the places of enrolled and offered seats). A seat holds one place, or
several when a parent signs up several children (`Seat.places`). `taken` moves only
through one conditional UPDATE (`taken + places <= capacity`), so two requests racing
for the last places cannot both get them: the second waits on the row lock, sees too
few places and joins the waitlist.

Places that free up are offered at once, in the same transaction, to the first on the
waitlist (`offered`, with `offered_until`), as many as their seat needs, then to the
next while places are left; nobody jumps the line, so a family waiting for three
places waits until three are free. The domain that owns the pool mails them through
its `@on_offer` notifier (job "places.offered"), and the job "places.expire" passes the
places on when the deadline goes by unanswered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from piccolo.query.functions.aggregate import Count, Sum

from app.clock import now
from app.db import is_sqlite, transaction
from app.errors import InvalidInput
from app.i18n import _, ngettext, pgettext
from app.jobs import job
from app.outbox import enqueue
from app.tables import PlacePool, Seat
from app.values import as_uuid

HOLDING = ("enrolled", "offered")
ACTIVE = ("enrolled", "offered", "waitlisted")
MAX_CAPACITY = 10_000
OFFERED_JOB = "places.offered"
EXPIRE_JOB = "places.expire"

_TAKE = ("UPDATE place_pools SET taken = taken + {} WHERE id = {} AND taken + {} <= capacity "
         "RETURNING id")
_FREE = "UPDATE place_pools SET taken = taken - {} WHERE id = {} AND taken >= {} RETURNING id"
_RESIZE = "UPDATE place_pools SET capacity = {} WHERE id = {} AND taken <= {} RETURNING id"


@dataclass(frozen=True)
class SeatInfo:
    id: int
    pool_id: UUID
    holder_kind: str
    holder_id: UUID
    organization_id: UUID | None
    status: str  # enrolled, waitlisted, offered, cancelled, declined, expired
    position: int | None  # 1-based place in the waitlist, None when not waitlisted
    offered_until: datetime | None
    places: int = 1  # how many places the seat holds (or waits for)


@dataclass(frozen=True)
class PoolState:
    """A pool's places: `enrolled`, `offered` and `waitlisted` count places (a parent's
    three children are three), not seats."""

    pool_id: UUID
    capacity: int
    taken: int
    enrolled: int
    offered: int
    waitlisted: int

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.taken, 0)


SMALL = 5  # below this, anyone but program staff sees a band, never a count


@dataclass(frozen=True)
class ShownPlaces:
    """What of a pool may be shown. Program staff (who organise the places) see every
    count. Everyone else sees a band (places free, few places, full) and a count of
    people only from SMALL up: a count that moves by one as one person joins or leaves
    would tell an employer who did, when they know one of them (issue 11)."""

    availability: str  # free, few, full
    enrolled: int | None
    offered: int | None
    places_left: int | None
    waitlisted: int | None


def shown_count(count: int, exact: bool) -> int | None:
    """A count of people as anyone but program staff may see it: from SMALL up only."""
    return count if exact or count >= SMALL else None


def band(places_left: int) -> str:
    """What anyone but the pool's staff learns of the places left: free, few or full."""
    return "full" if places_left <= 0 else "few" if places_left < SMALL else "free"


def band_label(band: str) -> str:
    """A band in the reader's language (a template global: `availability`)."""
    return {"free": _("Places free"), "few": _("Few places left"),
            "full": pgettext("places", "Full")}.get(band, band)


def shown(state: PoolState | None, exact: bool) -> ShownPlaces:
    """The one rule for showing a pool's counts, for every page, API and report."""
    if state is None:
        return ShownPlaces("full", 0, 0, 0, 0) if exact else ShownPlaces(
            "full", None, None, None, None)
    left = state.places_left
    if exact:
        return ShownPlaces(band(left), state.enrolled, state.offered, left, state.waitlisted)
    return ShownPlaces(band(left), shown_count(state.enrolled, exact), None, None,
                       shown_count(state.waitlisted, exact))


Notifier = Callable[[SeatInfo], Awaitable[None]]
NOTIFIERS: dict[str, Notifier] = {}


def on_offer(owner_kind: str) -> Callable[[Notifier], Notifier]:
    """Register how the owner of `owner_kind` pools tells someone a place is offered."""

    def register(notifier: Notifier) -> Notifier:
        NOTIFIERS[owner_kind] = notifier
        return notifier

    return register


def _key(pool_id: UUID, holder_kind: str, holder_id: UUID) -> str:
    return hashlib.sha256(f"{pool_id}:{holder_kind}:{holder_id}".encode()).hexdigest()


def _param(value: UUID) -> Any:
    return str(value) if is_sqlite() else value


async def create_pool(owner_kind: str, capacity: int, offer_hours: int = 48) -> UUID:
    _check_capacity(capacity)
    pool = PlacePool(owner_kind=owner_kind, capacity=capacity, offer_hours=offer_hours)
    await pool.save()
    return as_uuid(pool.id)


def _check_capacity(capacity: Any) -> None:
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not (
            1 <= capacity <= MAX_CAPACITY):
        raise InvalidInput({"capacity": _("Places must be a whole number from 1 to %(max)s.")
                            % {"max": MAX_CAPACITY}})


async def set_capacity(pool_id: UUID, capacity: int) -> None:
    """Change the places; new places go to the waitlist first. Never below places taken,
    nor below the places a seat on the waitlist waits for (nobody jumps the line: a
    family waiting for more places than exist would hold up everyone behind, for good)."""
    _check_capacity(capacity)
    async with transaction():
        await _locked_pool(pool_id)
        waiting = await Seat.select(Seat.places).where(
            (Seat.pool == pool_id) & (Seat.status == "waitlisted")
            & (Seat.places > capacity)).order_by(Seat.places, ascending=False).first()
        if waiting is not None:
            raise InvalidInput({"capacity": _(
                "A family on the waiting list waits for %(num)s places together: there "
                "cannot be fewer places while it waits.") % {"num": int(waiting["places"])}})
        rows = await PlacePool.raw(_RESIZE, capacity, _param(pool_id), capacity)
        if not rows:
            state = (await pool_states([pool_id])).get(pool_id)
            if state is None:
                raise InvalidInput({"capacity": _("This activity has no places to change.")})
            raise InvalidInput({"capacity": _(
                "%(taken)s places are already taken or offered: places cannot go below that."
            ) % {"taken": state.taken}})
        while await _offer_next(pool_id):
            pass


async def _take(pool_id: UUID, places: int = 1) -> bool:
    return bool(await PlacePool.raw(_TAKE, places, _param(pool_id), places))


async def _free(pool_id: UUID, places: int = 1) -> None:
    await PlacePool.raw(_FREE, places, _param(pool_id), places)


async def _locked_pool(pool_id: UUID) -> dict[str, Any] | None:
    query = PlacePool.select(PlacePool.id, PlacePool.capacity).where(PlacePool.id == pool_id)
    if not is_sqlite():
        query = query.lock_rows()
    return await query.first()


async def _locked_seat(key: str) -> dict[str, Any] | None:
    query = Seat.select().where(Seat.holder_key == key)
    if not is_sqlite():
        query = query.lock_rows()
    return await query.first()


async def request_place(pool_id: UUID, holder_kind: str, holder_id: UUID,
                        organization_id: UUID | None = None, places: int = 1) -> SeatInfo:
    """`places` places (a parent's children) if that many are free and nobody waits,
    else a place in line; an active seat is returned as is."""
    if not 1 <= places <= MAX_CAPACITY:
        raise InvalidInput({"places": _("Places must be a whole number from 1 to %(max)s.")
                            % {"max": MAX_CAPACITY}})
    key = _key(pool_id, holder_kind, holder_id)
    async with transaction():
        # Requests for one pool queue here, so the line is in the order they are served.
        pool = await _locked_pool(pool_id)
        if pool is None:
            raise InvalidInput({"pool": _("These places do not exist any more.")})
        if places > int(pool["capacity"]):
            # Waiting for more places than exist would hold up everyone behind, for good.
            raise InvalidInput({"places": ngettext(
                "There is %(num)s place in all: sign up fewer children, or ask the "
                "organizers.", "There are %(num)s places in all: sign up fewer children, or "
                "ask the organizers.", int(pool["capacity"])) % {"num": pool["capacity"]}})
        moment = now()
        await Seat.insert(Seat(
            pool=pool_id, holder_key=key, holder_kind=holder_kind, holder_id=holder_id,
            organization_id=organization_id, status="new", queued_at=moment,
            created_at=moment, updated_at=moment,
        )).on_conflict(target=Seat.holder_key, action="DO NOTHING")
        seat = await _locked_seat(key)
        assert seat is not None
        if seat["status"] in ACTIVE:
            return await _info(seat)
        queue_empty = not await Seat.exists().where(
            (Seat.pool == pool_id) & (Seat.status == "waitlisted"))
        status = "enrolled" if queue_empty and await _take(pool_id, places) else "waitlisted"
        await Seat.update({Seat.status: status, Seat.queued_at: moment, Seat.updated_at: moment,
                           Seat.offered_until: None, Seat.organization_id: organization_id,
                           Seat.places: places}).where(Seat.id == seat["id"])
        return await _info({**seat, "status": status, "queued_at": moment, "places": places,
                            "offered_until": None, "organization_id": organization_id})


async def leave(pool_id: UUID, holder_kind: str, holder_id: UUID) -> SeatInfo | None:
    """Give up a place or a place in line; a freed place is offered to the next in line."""
    async with transaction():
        seat = await _locked_seat(_key(pool_id, holder_kind, holder_id))
        if seat is None or seat["status"] not in ACTIVE:
            return await _info(seat) if seat else None
        await _end(seat, "cancelled")
        return await _info({**seat, "status": "cancelled", "offered_until": None})


async def accept_offer(pool_id: UUID, holder_kind: str, holder_id: UUID) -> SeatInfo:
    async with transaction():
        seat = await _locked_seat(_key(pool_id, holder_kind, holder_id))
        if seat is not None and seat["status"] == "enrolled":
            return await _info(seat)
        if seat is None or seat["status"] != "offered" or seat["offered_until"] <= now():
            raise InvalidInput({"offer": _(
                "This offer is no longer open: the time to accept it has passed.")})
        await Seat.update({Seat.status: "enrolled", Seat.offered_until: None,
                           Seat.updated_at: now()}).where(Seat.id == seat["id"])
        return await _info({**seat, "status": "enrolled", "offered_until": None})


async def decline_offer(pool_id: UUID, holder_kind: str, holder_id: UUID) -> SeatInfo:
    async with transaction():
        seat = await _locked_seat(_key(pool_id, holder_kind, holder_id))
        if seat is None or seat["status"] != "offered":
            raise InvalidInput({"offer": _("There is no offer to decline.")})
        await _end(seat, "declined")
        return await _info({**seat, "status": "declined", "offered_until": None})


async def expire_offer(seat_id: int) -> bool:
    """End an unanswered offer whose deadline has passed; True when it did."""
    async with transaction():
        query = Seat.select().where(Seat.id == seat_id)
        seat = await (query if is_sqlite() else query.lock_rows()).first()
        if seat is None or seat["status"] != "offered":
            return False
        if seat["offered_until"] > now():
            seconds = int((seat["offered_until"] - now()).total_seconds()) + 1
            await enqueue(EXPIRE_JOB, {"seat_id": seat_id}, delay_seconds=seconds)
            return False
        await _end(seat, "expired")
        return True


async def _end(seat: dict[str, Any], status: str) -> None:
    """Close `seat`; if it held a place, free it and offer it to the next in line."""
    await Seat.update({Seat.status: status, Seat.offered_until: None, Seat.updated_at: now()}
                      ).where(Seat.id == seat["id"])
    if seat["status"] in HOLDING:
        pool_id = as_uuid(seat["pool"])
        await _free(pool_id, int(seat["places"]))
        while await _offer_next(pool_id):
            pass


async def _offer_next(pool_id: UUID) -> bool:
    """Offer free places to the first on the waitlist, as many as their seat holds; False
    when nobody waits or not enough places are free (nobody jumps the line)."""
    query = (Seat.select(Seat.id, Seat.places).where(
        (Seat.pool == pool_id) & (Seat.status == "waitlisted"))
             .order_by(Seat.queued_at).order_by(Seat.id).limit(1))
    first = await query.first()
    if first is None or not await _take(pool_id, int(first["places"])):
        return False
    pool = await PlacePool.select(PlacePool.offer_hours).where(PlacePool.id == pool_id).first()
    hours = int(pool["offer_hours"]) if pool else 48
    await Seat.update({Seat.status: "offered", Seat.offered_until: now() + timedelta(hours=hours),
                       Seat.updated_at: now()}).where(Seat.id == first["id"])
    await enqueue(OFFERED_JOB, {"seat_id": first["id"]})
    await enqueue(EXPIRE_JOB, {"seat_id": first["id"]}, delay_seconds=hours * 3600 + 1)
    return True


async def _position(seat: dict[str, Any]) -> int | None:
    if seat["status"] != "waitlisted":
        return None
    ahead = await Seat.count().where(
        (Seat.pool == seat["pool"]) & (Seat.status == "waitlisted")
        & ((Seat.queued_at < seat["queued_at"])
           | ((Seat.queued_at == seat["queued_at"]) & (Seat.id < seat["id"]))))
    return int(ahead) + 1


async def _info(seat: dict[str, Any]) -> SeatInfo:
    return SeatInfo(
        id=int(seat["id"]), pool_id=as_uuid(seat["pool"]), holder_kind=seat["holder_kind"],
        holder_id=as_uuid(seat["holder_id"]),
        organization_id=as_uuid(seat["organization_id"]) if seat["organization_id"] else None,
        status=seat["status"], position=await _position(seat),
        offered_until=seat["offered_until"], places=int(seat.get("places") or 1),
    )


async def seat_by_id(seat_id: int) -> SeatInfo | None:
    seat = await Seat.select().where(Seat.id == seat_id).first()
    return await _info(seat) if seat else None


async def seat_of(pool_id: UUID, holder_kind: str, holder_id: UUID) -> SeatInfo | None:
    seat = await Seat.select().where(
        Seat.holder_key == _key(pool_id, holder_kind, holder_id)).first()
    return await _info(seat) if seat else None


async def seats_of_holders(holder_kind: str, holder_ids: Iterable[UUID]) -> list[SeatInfo]:
    ids = list(holder_ids)
    if not ids:
        return []
    rows = await Seat.select().where((Seat.holder_kind == holder_kind)
                                     & Seat.holder_id.is_in(ids)).order_by(Seat.id)
    return [await _info(row) for row in rows]


async def roster(pool_id: UUID, statuses: tuple[str, ...] = ("enrolled",)) -> list[SeatInfo]:
    """Seats of a pool in the given states; the waitlist in its order."""
    rows = await (Seat.select().where((Seat.pool == pool_id) & Seat.status.is_in(list(statuses)))
                  .order_by(Seat.queued_at).order_by(Seat.id))
    return [await _info(row) for row in rows]


async def pool_states(pool_ids: Iterable[UUID]) -> dict[UUID, PoolState]:
    ids = list(pool_ids)
    if not ids:
        return {}
    pools = await PlacePool.select(PlacePool.id, PlacePool.capacity, PlacePool.taken).where(
        PlacePool.id.is_in(ids))
    counts: dict[tuple[UUID, str], int] = {}
    rows = await Seat.select(Seat.pool, Seat.status, Sum(Seat.places, alias="n")).where(
        Seat.pool.is_in(ids) & Seat.status.is_in(list(ACTIVE))).group_by(Seat.pool, Seat.status)
    for row in rows:
        counts[(as_uuid(row["pool"]), row["status"])] = int(row["n"])
    states = {}
    for pool in pools:
        pool_id = as_uuid(pool["id"])
        states[pool_id] = PoolState(
            pool_id=pool_id, capacity=int(pool["capacity"]), taken=int(pool["taken"]),
            enrolled=counts.get((pool_id, "enrolled"), 0),
            offered=counts.get((pool_id, "offered"), 0),
            waitlisted=counts.get((pool_id, "waitlisted"), 0),
        )
    return states


async def counts_by_organization(pool_ids: Iterable[UUID],
                                 statuses: tuple[str, ...] = ("enrolled",)
                                 ) -> dict[tuple[UUID, UUID], int]:
    """How many seats of each organization (company or school) per pool."""
    ids = list(pool_ids)
    if not ids:
        return {}
    rows = await Seat.select(Seat.pool, Seat.organization_id, Count(Seat.id, alias="n")).where(
        Seat.pool.is_in(ids) & Seat.status.is_in(list(statuses))
        & Seat.organization_id.is_not_null()).group_by(Seat.pool, Seat.organization_id)
    return {(as_uuid(r["pool"]), as_uuid(r["organization_id"])): int(r["n"]) for r in rows}


async def forget_holder(holder_kind: str, holder_id: UUID) -> None:
    """Delete someone's seats (retention, erasure); places they held go to the next in line."""
    async with transaction():
        rows = await Seat.select().where((Seat.holder_kind == holder_kind)
                                         & (Seat.holder_id == holder_id))
        for seat in rows:
            locked = await _locked_seat(seat["holder_key"])
            if locked is not None and locked["status"] in HOLDING:
                await _end(locked, "cancelled")
        await Seat.delete().where((Seat.holder_kind == holder_kind)
                                  & (Seat.holder_id == holder_id))


@job(OFFERED_JOB)
async def tell_offer(outbox_id: int, payload: dict[str, Any]) -> None:
    """Tell the holder a place is offered, through the notifier of the pool's owner."""
    seat = await seat_by_id(int(payload["seat_id"]))
    if seat is None or seat.status != "offered":
        return
    pool = await PlacePool.select(PlacePool.owner_kind).where(PlacePool.id == seat.pool_id).first()
    notifier = NOTIFIERS.get(pool["owner_kind"]) if pool else None
    if notifier is not None:
        await notifier(seat)


@job(EXPIRE_JOB)
async def end_expired_offer(outbox_id: int, payload: dict[str, Any]) -> None:
    await expire_offer(int(payload["seat_id"]))
