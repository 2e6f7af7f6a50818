"""The database engine and the one way services open a transaction."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from app.settings import get_settings

POOL_SIZE = 10

# Piccolo warns, in colour, when it cannot learn the server's version; the caller of a
# failed connection says what to check in one line instead (app/startup.py).
warnings.filterwarnings("ignore", message=".*Unable to (connect to database|fetch server version)")


class LoopPooledPostgresEngine(PostgresEngine):
    """PostgreSQL with one connection pool per event loop.

    An asyncpg pool belongs to the loop that made it, and a process here runs two
    loops (the web server's and the dramatiq worker's). `pool` answers the running
    loop's pool; a loop without one opens a connection per query, as piccolo does.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        self._pools: dict[asyncio.AbstractEventLoop, asyncpg.Pool] = {}
        super().__init__(config=config)

    @property  # type: ignore[override]
    def pool(self) -> asyncpg.Pool | None:
        try:
            return self._pools.get(asyncio.get_running_loop())
        except RuntimeError:
            return None

    @pool.setter
    def pool(self, value: Any) -> None:
        """Piccolo assigns `pool`; pools are kept per loop instead."""

    async def start_connection_pool(self, **kwargs: Any) -> None:
        loop = asyncio.get_running_loop()
        if loop not in self._pools:
            self._pools[loop] = await asyncpg.create_pool(
                **self.config, min_size=1, max_size=POOL_SIZE, **kwargs
            )

    async def close_connection_pool(self) -> None:
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool.close()


def make_engine() -> Engine:
    settings = get_settings()
    if settings.db_engine == "sqlite":
        return SQLiteEngine(path=settings.sqlite_path, timeout=30)
    return LoopPooledPostgresEngine(config={"dsn": settings.database_url})


def engine() -> Engine:
    from app.piccolo_conf import DB

    return DB


def transaction() -> Any:
    """A write transaction: IMMEDIATE on SQLite so writers queue instead of deadlocking."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


T = TypeVar("T")


def begun(read: Callable[[], Awaitable[T]]) -> Awaitable[T]:
    """`read()`, reads of committed rows, begun at once on a connection of its own,
    outside the caller's transaction, so that the database works on them while the
    caller goes on (PostgreSQL). Await the result before the transaction ends. On SQLite
    (one file, one writer) `read()` runs when awaited, in the caller's transaction."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return read()

    async def outside() -> T:
        db.current_transaction.set(None)  # this task's copy of the context only
        return await read()

    task = asyncio.get_running_loop().create_task(outside())
    # A caller that failed before awaiting it leaves no unretrieved exception behind.
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
    return task


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


async def open_pool() -> None:
    """Give the running event loop its PostgreSQL pool (nothing to do on SQLite)."""
    db = engine()
    if isinstance(db, LoopPooledPostgresEngine):
        await db.start_connection_pool()


async def close_pool() -> None:
    db = engine()
    if isinstance(db, LoopPooledPostgresEngine):
        await db.close_connection_pool()
