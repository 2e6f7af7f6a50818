from app.db import engine
from app.migrate import migrate
from app.tables import Organization


async def test_migrations_create_core_tables_and_run_again_without_change() -> None:
    await migrate()  # a second run finds nothing to do
    org = Organization(kind="company", name="Officine Test", town="Crema")
    await org.save()
    rows = await Organization.select(Organization.name).where(Organization.town == "Crema")
    assert rows == [{"name": "Officine Test"}]
    assert engine().engine_type in ("sqlite", "postgres")
