"""`app.db.begun`: reads the database works on while the caller goes on."""

from __future__ import annotations

from app.db import begun, is_sqlite, transaction
from app.tables import Organization


async def _companies() -> int:
    return await Organization.count().where(Organization.kind == "company")


async def test_begun_reads_committed_rows_beside_the_transaction() -> None:
    """On PostgreSQL the read runs on a connection of its own, at once: it sees what is
    committed, not the caller's uncommitted rows, and the caller's transaction goes on
    (its own statements and its commit) while the read is under way. On SQLite it runs
    in the caller's transaction when awaited."""
    async with transaction():
        await Organization(kind="company", name="Azienda scritta", town="Crema").save()
        reading = begun(_companies)
        await Organization(kind="company", name="Azienda seconda", town="Crema").save()
        inside = await _companies()
        seen = await reading
    assert inside == 2
    assert seen == (2 if is_sqlite() else 0)
    assert await _companies() == 2

