"""Builders for the referral tests: two schools in two towns, a Civic Center, families
with consent, activities made by the real activities service, mail jobs run for real."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import civic.referrals.jobs  # noqa: F401  registers the referral jobs (and app.places's)
from app.auth.caller import Caller, load_caller
from app.clock import now
from app.tables import DevMail, OutboxJob
from civic.activities import service as activities
from civic.activities.schemas import ActivityCreate, ActivityInfo
from civic.consents import service as consents
from civic.families.schemas import ConsentCreate
from civic.tables import ConsentNotice, Family, Pupil
from tests.factories import make_org, make_user
from worker.runner import run_job

START = now().date() + timedelta(days=30)  # a Monday or not: the tests never assume it
END = START + timedelta(days=120)
LINK = re.compile(r"https://testserver\.local/f/([A-Za-z0-9_-]{22,})")


@dataclass
class World:
    center: UUID
    operator: UUID
    school_a: UUID  # in Crema
    school_b: UUID  # in Cremona
    coord_a: UUID
    coord_b: UUID


async def as_caller(user_id: UUID) -> Caller:
    caller = await load_caller(user_id)
    assert caller is not None
    return caller


async def make_world() -> World:
    center = await make_org("civic_center", "Civic Center Crema", "Crema")
    school_a = await make_org("school", "IC Crema Uno", "Crema")
    school_b = await make_org("school", "IC Cremona Due", "Cremona")
    await ConsentNotice(version="2026-1", text_it="Informativa", text_en="Notice").save()
    return World(
        center=center,
        operator=await make_user("op@cc-crema.example", center, "civic_center_operator"),
        school_a=school_a, school_b=school_b,
        coord_a=await make_user("ref@crema-uno.example", school_a, "school_coordinator"),
        coord_b=await make_user("ref@cremona-due.example", school_b, "school_coordinator"))


async def make_activity(world: World, **changes: Any) -> ActivityInfo:
    values: dict[str, Any] = {
        "title": "Doposcuola", "category": "after_school", "capacity": 10, "days": [0, 2],
        "start_time": "16:30", "end_time": "18:30", "starts_on": START, "ends_on": END,
        "town": "Crema", "place": "Via Mercato 12", "min_age": 6, "max_age": 11,
        "publish": True}
    values.update(changes)
    return await activities.create_activity(await as_caller(world.operator),
                                            ActivityCreate(**values))


def born(age: int) -> int:
    """The birth year of a pupil who is `age` in the year the activities start."""
    return START.year - age


async def make_family(world: World, school: str = "a", ref: str = "F1",
                      email: str | None = "famiglia@example.it", town: str = "Crema",
                      pattern: str | None = "both_working", language: str = "it",
                      pupils: tuple[tuple[str, int], ...] = (("Luca", 8),),
                      consent: bool = True) -> tuple[UUID, list[UUID]]:
    """A family of school "a" or "b" with pupils (name, age); consent given by a parent."""
    school_id = world.school_a if school == "a" else world.school_b
    family = Family(school=school_id, family_ref=ref, reference_adult=f"Adulto {ref}",
                    contact_email=email, language=language, working_pattern=pattern,
                    town=town)
    await family.save()
    ids = []
    for name, age in pupils:
        pupil = Pupil(family=family.id, first_name=name, birth_year=born(age), class_name="3A")
        await pupil.save()
        ids.append(pupil.id)
        if consent:
            coordinator = world.coord_a if school == "a" else world.coord_b
            await consents.record_consent(await as_caller(coordinator), school_id, pupil.id,
                                          ConsentCreate(given_by=f"Adulto {ref}"))
    return family.id, ids


async def job_ids(actor: str) -> list[int]:
    rows = await OutboxJob.select(OutboxJob.id).where(
        (OutboxJob.actor == actor) & OutboxJob.status.is_in(["pending", "published"])
    ).order_by(OutboxJob.id)
    return [row["id"] for row in rows]


async def run_jobs(actor: str) -> int:
    """Run the pending jobs of `actor` (delays ignored); how many ran."""
    ids = await job_ids(actor)
    for outbox_id in ids:
        await run_job(outbox_id)
    return len(ids)


async def mails_to(address: str) -> list[dict[str, Any]]:
    return await DevMail.select().where(DevMail.to_address == address).order_by(DevMail.id)


async def link_in_last_mail(address: str) -> str:
    """The token of the /f/ link in the newest mail to `address`."""
    mails = await mails_to(address)
    assert mails, f"no mail to {address}"
    match = LINK.search(mails[-1]["text"])
    assert match, mails[-1]["text"]
    return match.group(1)


def first_weekday(start: date, days: tuple[int, ...]) -> date:
    return min(start + timedelta(days=(day - start.weekday()) % 7) for day in days)
