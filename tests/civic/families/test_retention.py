"""Families are deleted when their retention period ends, by a daily job that keeps
itself going and leaves only counts in the audit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app import places
from app.clock import now
from app.tables import AuditEvent, OutboxJob
from civic.families.retention import JOB, schedule_retention
from civic.tables import Attendance, Consent, Family, FamilyImport, Pupil, PupilCare
from tests.civic.families.test_families import add_family, give_consent, make_activity, make_schools
from worker.runner import run_job


@pytest.fixture
async def world():
    return await make_schools()


async def retention_jobs(*statuses: str) -> list[dict]:
    query = OutboxJob.select().where(OutboxJob.actor == JOB).order_by(OutboxJob.id)
    if statuses:
        query = query.where(OutboxJob.status.is_in(list(statuses)))
    return await query


async def start_job() -> int:
    from app.db import transaction

    async with transaction():
        assert await schedule_retention()
    [job] = await retention_jobs("pending")
    return job["id"]


async def test_families_past_their_date_are_deleted_with_everything_about_them(world
                                                                               ) -> None:
    today = now().date()
    expired, (luca,) = await add_family(world.a, "FAM-1", retain_until=today - timedelta(days=1))
    last_day, _ = await add_family(world.a, "FAM-2", "Ion Popescu", (("Andrei", 2016, "4A"),),
                                   retain_until=today)
    undated, _ = await add_family(world.b, "FAM-3", "Grace Mensah", (("Joy", 2018, "2B"),))
    other, (nour,) = await add_family(world.b, "FAM-4", "Amina Benali", (("Nour", 2016, "4A"),),
                                      retain_until=today - timedelta(days=30))
    await give_consent(world, world.a, luca)
    activity = await make_activity(world, capacity=1)
    await places.request_place(activity.pool_id, "pupil", luca, world.a)
    await PupilCare(pupil=luca, care_note="Allergico alle arachidi",
                    care_consent_by="Sara Bonetti", care_consent_on=today).save()
    await Attendance(activity=activity.id, pupil=luca, session_on=today, present=True).save()
    _, (waiting,) = await add_family(world.a, "FAM-5", "Attesa", (("Marta", 2016, "4A"),))
    await places.request_place(activity.pool_id, "pupil", waiting, world.a)

    await run_job(await start_job())

    remaining = {row["family_ref"] for row in await Family.select(Family.family_ref)}
    assert remaining == {"FAM-2", "FAM-3", "FAM-5"}
    assert not await Pupil.exists().where(Pupil.id.is_in([luca, nour]))
    assert not await Consent.exists().where(Consent.pupil == luca)
    assert not await PupilCare.exists().where(PupilCare.pupil == luca)
    assert not await Attendance.exists().where(Attendance.pupil == luca)
    assert await places.seat_of(activity.pool_id, "pupil", luca) is None
    assert (await places.seat_of(activity.pool_id, "pupil", waiting)).status == "offered"
    events = await AuditEvent.select().where(AuditEvent.action == "civic.retention.deleted"
                                             ).output(load_json=True)
    details = sorted((e["detail"]["families"], e["detail"]["pupils"]) for e in events)
    assert details == [(1, 1), (1, 1)]
    assert {e["actor_id"] for e in events} == {None}
    stored = json.dumps([e["detail"] for e in events])
    assert "Sara" not in stored and "Luca" not in stored and "FAM" not in stored
    assert expired and last_day and undated and other


async def test_the_job_schedules_tomorrows_run_and_only_one_chain(world) -> None:
    first = await start_job()
    from app.db import transaction

    async with transaction():
        assert not await schedule_retention()  # one is already waiting
    await run_job(first)
    jobs = await retention_jobs()
    assert [j["status"] for j in jobs] == ["done", "pending"]
    delay = jobs[1]["available_at"] - jobs[0]["created_at"]
    assert timedelta(hours=23) < delay < timedelta(hours=25)
    await run_job(first)  # a message delivered twice does nothing more
    assert len(await retention_jobs()) == 2


async def test_two_chains_merge_into_one(world) -> None:
    from app.db import transaction
    from app.outbox import enqueue

    async with transaction():
        first = await enqueue(JOB, {})
        second = await enqueue(JOB, {})
    await run_job(first)  # sees `second` waiting: does not add a third
    assert len(await retention_jobs("pending")) == 1
    await run_job(second)
    assert [j["status"] for j in await retention_jobs()] == ["done", "done", "pending"]


async def test_previews_nobody_confirmed_are_dropped(world) -> None:
    stale = FamilyImport(school=world.a, rows=[{"family_ref": "F"}])
    await stale.save()
    await FamilyImport.update({FamilyImport.created_at: now() - timedelta(days=2)}).where(
        FamilyImport.id == stale.id)
    applied = FamilyImport(school=world.a, status="applied")
    await applied.save()
    await FamilyImport.update({FamilyImport.created_at: now() - timedelta(days=2)}).where(
        FamilyImport.id == applied.id)
    await run_job(await start_job())
    assert [row["status"] for row in await FamilyImport.select(FamilyImport.status)] == [
        "applied"]
