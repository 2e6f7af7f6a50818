"""Families are deleted when their retention period ends: the job "civic.retention".

`Family.retain_until` is set when a school's file is imported: the end of the school
year (the first 31 August on or after the import) plus the current notice's retention
months. The day after it, the job deletes the family with its pupils, consents and
referrals (the database cascades), and frees the places the pupils held. The audit
keeps only how many families and pupils each school lost, never who.

The job runs once a day: each run schedules the next one, unless another is already
waiting, so however it was started (a family import, the demo seed) one chain runs. It
also drops import previews nobody confirmed within a day, since they hold names.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from app import audit
from app.clock import now
from app.db import transaction
from app.jobs import job
from app.outbox import enqueue_once
from app.values import as_uuid
from civic.families.service import erase_families
from civic.tables import Family, FamilyImport

JOB = "civic.retention"
DAY_SECONDS = 24 * 60 * 60
BATCH = 100
PREVIEW_HOURS = 24


async def schedule_retention(delay_seconds: int = 0, running: int | None = None) -> bool:
    """Enqueue the retention job unless one is already waiting (other than `running`);
    call it inside the transaction of the change that needs it. True when enqueued."""
    return await enqueue_once(JOB, delay_seconds, running)


async def delete_expired(today: date | None = None) -> dict[UUID, dict[str, int]]:
    """Delete every family whose `retain_until` is before `today`; counts per school."""
    today = today or now().date()
    rows = await Family.select(Family.id, Family.school).where(
        Family.retain_until.is_not_null() & (Family.retain_until < today))
    by_school: dict[UUID, list[UUID]] = defaultdict(list)
    for row in rows:
        by_school[as_uuid(row["school"])].append(as_uuid(row["id"]))
    counts: dict[UUID, dict[str, int]] = {}
    for school, family_ids in by_school.items():
        for start in range(0, len(family_ids), BATCH):
            batch = family_ids[start:start + BATCH]
            async with transaction():
                # Only families still past their date: a re-import may have extended one.
                still = [as_uuid(r["id"]) for r in await Family.select(Family.id).where(
                    Family.id.is_in(batch) & (Family.retain_until < today))]
                pupils = await erase_families(still)
                await audit.record("civic.retention.deleted", None, school,
                                   families=len(still), pupils=pupils)
            count = counts.setdefault(school, {"families": 0, "pupils": 0})
            count["families"] += len(still)
            count["pupils"] += pupils
    return counts


async def drop_stale_previews() -> None:
    async with transaction():
        await FamilyImport.delete().where(
            (FamilyImport.status != "applied")
            & (FamilyImport.created_at < now() - timedelta(hours=PREVIEW_HOURS)))


@job(JOB)
async def run_retention(outbox_id: int, payload: dict[str, Any]) -> None:
    """Delete what has outlived its retention, then schedule tomorrow's run."""
    await delete_expired()
    await drop_stale_previews()
    async with transaction():
        await schedule_retention(DAY_SECONDS, running=outbox_id)
