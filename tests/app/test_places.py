"""Places: the last place goes to one person only; a freed place is offered in order."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from app import places
from app.clock import now
from app.errors import InvalidInput
from app.i18n import use_language
from app.places import NOTIFIERS, on_offer
from app.tables import OutboxJob, PlacePool, Seat
from worker.runner import run_job


async def _jobs(actor: str) -> list[OutboxJob]:
    return await OutboxJob.objects().where((OutboxJob.actor == actor)
                                           & (OutboxJob.status == "pending")).order_by(OutboxJob.id)


@pytest.fixture
def told():
    """What the owner of "test" pools was asked to tell (the notifier of a domain)."""
    seen: list[places.SeatInfo] = []

    @on_offer("test")
    async def notify(seat: places.SeatInfo) -> None:
        seen.append(seat)

    yield seen
    NOTIFIERS.pop("test", None)


async def test_places_fill_then_the_waitlist_keeps_order() -> None:
    pool = await places.create_pool("test", 2)
    people = [uuid4() for _ in range(4)]
    seats = [await places.request_place(pool, "user", person) for person in people]
    assert [s.status for s in seats] == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    assert [s.position for s in seats] == [None, None, 1, 2]
    again = await places.request_place(pool, "user", people[0])
    assert again.status == "enrolled" and again.id == seats[0].id
    state = (await places.pool_states([pool]))[pool]
    assert (state.capacity, state.taken, state.enrolled, state.waitlisted, state.places_left) == (
        2, 2, 2, 2, 0)


async def test_two_people_cannot_take_the_same_last_place() -> None:
    """Runs on SQLite and on PostgreSQL: each request in its own transaction at once."""
    for _ in range(5):
        pool = await places.create_pool("test", 1)
        first, second = await asyncio.gather(
            places.request_place(pool, "user", uuid4()),
            places.request_place(pool, "user", uuid4()),
        )
        assert sorted([first.status, second.status]) == ["enrolled", "waitlisted"]
        row = await PlacePool.select(PlacePool.taken).where(PlacePool.id == pool).first()
        assert row["taken"] == 1
        assert await Seat.count().where((Seat.pool == pool) & (Seat.status == "enrolled")) == 1


async def test_many_racing_requests_never_overfill() -> None:
    pool = await places.create_pool("test", 3)
    results = await asyncio.gather(*(places.request_place(pool, "user", uuid4())
                                     for _ in range(8)))
    assert sum(r.status == "enrolled" for r in results) == 3
    assert sorted(r.position for r in results if r.position) == [1, 2, 3, 4, 5]


async def test_a_freed_place_is_offered_to_the_next_who_is_told_and_can_accept(told) -> None:
    pool = await places.create_pool("test", 1, offer_hours=24)
    anna, bruno, carla = uuid4(), uuid4(), uuid4()
    for person in (anna, bruno, carla):
        await places.request_place(pool, "user", person)
    left = await places.leave(pool, "user", anna)
    assert left is not None and left.status == "cancelled"
    offered = await places.seat_of(pool, "user", bruno)
    assert offered is not None and offered.status == "offered"
    assert offered.offered_until is not None
    assert timedelta(hours=23) < offered.offered_until - now() <= timedelta(hours=24)
    # Someone new cannot jump the line while the place is offered.
    newcomer = await places.request_place(pool, "user", uuid4())
    assert newcomer.status == "waitlisted" and newcomer.position == 2
    for job in await _jobs(places.OFFERED_JOB):
        await run_job(job.id)
    assert [seat.holder_id for seat in told] == [bruno]
    accepted = await places.accept_offer(pool, "user", bruno)
    assert accepted.status == "enrolled"
    assert (await places.seat_of(pool, "user", carla)).position == 1  # type: ignore[union-attr]


async def test_an_unanswered_offer_expires_and_passes_on(told) -> None:
    pool = await places.create_pool("test", 1, offer_hours=1)
    anna, bruno, carla = uuid4(), uuid4(), uuid4()
    for person in (anna, bruno, carla):
        await places.request_place(pool, "user", person)
    await places.leave(pool, "user", anna)
    for job in await _jobs(places.OFFERED_JOB):
        await run_job(job.id)
    expiry = (await _jobs(places.EXPIRE_JOB))[0]
    assert expiry.available_at > now() + timedelta(minutes=59)
    # Too early: the job waits for the deadline instead of ending the offer.
    await run_job(expiry.id)
    assert (await places.seat_of(pool, "user", bruno)).status == "offered"  # type: ignore
    await Seat.update({Seat.offered_until: now() - timedelta(seconds=1)}).where(
        Seat.holder_id == bruno)
    for job in await _jobs(places.EXPIRE_JOB):
        await run_job(job.id)
    assert (await places.seat_of(pool, "user", bruno)).status == "expired"  # type: ignore
    assert (await places.seat_of(pool, "user", carla)).status == "offered"  # type: ignore
    with pytest.raises(InvalidInput):
        await places.accept_offer(pool, "user", bruno)
    for job in await _jobs(places.OFFERED_JOB):
        await run_job(job.id)
    assert [seat.holder_id for seat in told] == [bruno, carla]


async def test_declining_an_offer_passes_it_on() -> None:
    pool = await places.create_pool("test", 1)
    anna, bruno, carla = uuid4(), uuid4(), uuid4()
    for person in (anna, bruno, carla):
        await places.request_place(pool, "user", person)
    await places.leave(pool, "user", anna)
    declined = await places.decline_offer(pool, "user", bruno)
    assert declined.status == "declined"
    assert (await places.seat_of(pool, "user", carla)).status == "offered"  # type: ignore
    with pytest.raises(InvalidInput):
        await places.decline_offer(pool, "user", bruno)


async def test_capacity_grows_into_the_waitlist_and_never_shrinks_below_taken() -> None:
    pool = await places.create_pool("test", 1)
    people = [uuid4() for _ in range(3)]
    for person in people:
        await places.request_place(pool, "user", person)
    await places.set_capacity(pool, 3)
    statuses = [(await places.seat_of(pool, "user", p)).status for p in people]  # type: ignore
    assert statuses == ["enrolled", "offered", "offered"]
    with pytest.raises(InvalidInput) as refused:
        await places.set_capacity(pool, 2)
    assert "capacity" in refused.value.errors
    with pytest.raises(InvalidInput):
        await places.create_pool("test", 0)


async def test_forgetting_a_holder_deletes_their_seats_and_frees_the_place() -> None:
    pool = await places.create_pool("test", 1)
    pupil, next_pupil = uuid4(), uuid4()
    school = uuid4()
    await places.request_place(pool, "pupil", pupil, organization_id=school)
    await places.request_place(pool, "pupil", next_pupil, organization_id=school)
    assert await places.counts_by_organization([pool]) == {(pool, school): 1}
    await places.forget_holder("pupil", pupil)
    assert await Seat.count().where(Seat.holder_id == pupil) == 0
    assert (await places.seat_of(pool, "pupil", next_pupil)).status == "offered"  # type: ignore


async def test_leaving_and_coming_back_goes_to_the_end_of_the_line() -> None:
    pool = await places.create_pool("test", 1)
    anna, bruno, carla = uuid4(), uuid4(), uuid4()
    for person in (anna, bruno, carla):
        await places.request_place(pool, "user", person)
    await places.leave(pool, "user", bruno)
    back = await places.request_place(pool, "user", bruno)
    assert back.status == "waitlisted" and back.position == 2
    assert isinstance(back.pool_id, UUID)


async def test_a_seat_of_several_children_takes_a_place_each_and_waits_for_them_all(
        told) -> None:
    """Issue 18: a parent signing up three children took one place."""
    pool = await places.create_pool("test", 4)
    parent, couple, single = uuid4(), uuid4(), uuid4()
    first = await places.request_place(pool, "user", parent, places=3)
    assert (first.status, first.places) == ("enrolled", 3)
    state = (await places.pool_states([pool]))[pool]
    assert (state.taken, state.enrolled, state.places_left) == (3, 3, 1)
    assert places.band(state.places_left) == "few"
    # Two children do not fit in the last place; the one after them waits behind them.
    assert (await places.request_place(pool, "user", couple, places=2)).status == "waitlisted"
    behind = await places.request_place(pool, "user", single)
    assert (behind.status, behind.position) == ("waitlisted", 2)
    state = (await places.pool_states([pool]))[pool]
    assert (state.taken, state.waitlisted, state.places_left) == (3, 3, 1)

    await places.leave(pool, "user", parent)  # three places free: two for the couple,
    for job in await _jobs(places.OFFERED_JOB):  # one for the single parent
        await run_job(job.id)
    offered = {seat.holder_id: seat.places for seat in told}
    assert offered == {couple: 2, single: 1}
    state = (await places.pool_states([pool]))[pool]
    assert (state.taken, state.offered, state.places_left) == (3, 3, 1)
    await places.decline_offer(pool, "user", couple)
    state = (await places.pool_states([pool]))[pool]
    assert (state.taken, state.offered, state.places_left) == (1, 1, 3)
    assert places.band(state.places_left) == "few"
    with pytest.raises(InvalidInput):
        await places.request_place(pool, "user", uuid4(), places=0)


async def test_more_children_than_places_in_all_are_refused_not_queued() -> None:
    """A family waiting for 3 places in a pool of 2 would hold up everyone behind it for
    good (nobody jumps the line): it is told at once, and nothing is written."""
    pool = await places.create_pool("test", 2)
    parent = uuid4()
    with pytest.raises(InvalidInput) as refused:
        await places.request_place(pool, "user", parent, places=3)
    assert "2" in refused.value.errors["places"]
    assert not await Seat.exists().where(Seat.pool == pool)
    behind = await places.request_place(pool, "user", uuid4())
    assert behind.status == "enrolled"
    await places.set_capacity(pool, 3)
    seat = await places.request_place(pool, "user", parent, places=3)
    assert seat.status == "waitlisted"  # 3 places exist, 2 are free
    await places.set_capacity(pool, 4)
    assert (await places.seat_by_id(seat.id)).status == "offered"  # type: ignore[union-attr]


async def test_places_never_shrink_below_what_a_family_on_the_waitlist_waits_for() -> None:
    """A family waits for 3 places together; lowering the places to 2 would hold it, and
    everyone behind it, on the waitlist for good (before: accepted, and the person behind
    never got the place that came free). Refused with a message; 3 is fine."""
    pool = await places.create_pool("test", 4)
    await places.request_place(pool, "user", uuid4(), places=2)
    family = await places.request_place(pool, "user", uuid4(), places=3)
    behind = await places.request_place(pool, "user", uuid4())
    assert family.status == behind.status == "waitlisted"
    for language, said in (("it", "aspetta 3 posti insieme"), ("en", "3 places together")):
        with use_language(language), pytest.raises(InvalidInput) as refused:
            await places.set_capacity(pool, 2)
        assert said in refused.value.errors["capacity"]
    assert (await pool_states_of(pool)).capacity == 4
    await places.set_capacity(pool, 5)
    assert (await places.seat_by_id(family.id)).status == "offered"  # type: ignore[union-attr]


async def pool_states_of(pool: UUID) -> places.PoolState:
    return (await places.pool_states([pool]))[pool]
