"""Test set-up: the environment is fixed before any app import.

`LEGAMI_TEST_DB=sqlite` (default) runs on a fresh SQLite file; `LEGAMI_TEST_DB=postgres`
on a throw-away PostgreSQL database created for this run and dropped after it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from typing import Any

import pytest

TEST_DB = os.environ.get("LEGAMI_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
RUN_DIR = tempfile.mkdtemp(prefix="legami-test-")
PG_DB_NAME = f"legami_test_{os.getpid()}_{secrets.token_hex(3)}"


def _pg_admin(sql: str) -> None:
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run())


if TEST_DB == "postgres":
    _pg_admin(f'CREATE DATABASE "{PG_DB_NAME}"')
    DATABASE_URL = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_DB_NAME
else:
    DATABASE_URL = f"sqlite://{RUN_DIR}/legami.sqlite3"

os.environ.update(
    {
        "LEGAMI_ENV": "test",
        "DATABASE_URL": DATABASE_URL,
        "VAR_DIR": RUN_DIR,
        "BROKER_URL": "embedded",
        "SMTP_URL": "dev",
        "BASE_URL": "https://testserver.local",
        "SECRET_KEY": "test-secret-key-test-secret-key-0123456789",
        "LANGUAGE": "it",
    }
)

import legami.jobs  # noqa: E402, F401  (registers every job)
from app.db import engine  # noqa: E402
from app.migrate import migrate  # noqa: E402


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if TEST_DB == "postgres":
        _pg_admin(f'DROP DATABASE IF EXISTS "{PG_DB_NAME}" WITH (FORCE)')


@pytest.fixture(scope="session", autouse=True)
async def migrated_db() -> AsyncIterator[None]:
    await migrate()
    yield


def _all_tables() -> list[type]:
    from piccolo.conf.apps import Finder
    from piccolo.table import sort_table_classes

    return sort_table_classes(Finder().get_table_classes())


@pytest.fixture(autouse=True)
async def clean_db(migrated_db: None) -> AsyncIterator[None]:
    """Every test starts from empty tables."""
    yield
    names = [table._meta.tablename for table in _all_tables()]
    if TEST_DB == "postgres":
        await _truncate(names)
    else:
        # One connection for all of them: a connection per statement costs more than the work.
        from app.db import transaction

        async with transaction():
            for name in reversed(names):
                await engine().run_ddl(f"DELETE FROM {name}")


async def _truncate(names: list[str]) -> None:
    """Empty every table at once. A request the test's live server is still finishing
    (a page's last fetch, a job of the in-process worker) may hold a table that TRUNCATE
    needs while waiting for one it took: PostgreSQL then cancels the TRUNCATE as a
    deadlock, and it is tried again once that work has finished."""
    import asyncpg

    for attempt in range(1, 6):
        try:
            await engine().run_ddl(f"TRUNCATE {', '.join(names)} CASCADE")
            return
        except (asyncpg.exceptions.DeadlockDetectedError,
                asyncpg.exceptions.LockNotAvailableError):
            if attempt == 5:
                raise
            await asyncio.sleep(0.5 * attempt)


@pytest.fixture
def settings():
    from app.settings import get_settings

    return get_settings()


@pytest.fixture(scope="session")
def web_app() -> Any:
    """One app for the whole run (run_jobs=False: the tests run the jobs).

    Building it takes seconds (every route, the OpenAPI models), and it keeps nothing
    between requests that a test could see: sessions, rate limits and jobs live in the
    database, emptied after each test; each test gets its own client (its own cookies)
    and its own lifespan (database pool, broker).
    """
    from legami.application import create_app

    return create_app(run_jobs=False)


@pytest.fixture
async def client(web_app: Any) -> AsyncIterator[Any]:
    """A browser on HTTPS, with cookies of its own."""
    from litestar.testing import AsyncTestClient

    from tests.factories import BASE_URL

    async with AsyncTestClient(app=web_app, base_url=BASE_URL) as test_client:
        yield test_client
