"""The database engine and the one way services open a transaction."""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from app.settings import get_settings


def make_engine() -> Engine:
    settings = get_settings()
    if settings.db_engine == "sqlite":
        return SQLiteEngine(path=settings.sqlite_path, timeout=30)
    return PostgresEngine(config={"dsn": settings.database_url})


def engine() -> Engine:
    from app.piccolo_conf import DB

    return DB


def transaction() -> Any:
    """A write transaction: IMMEDIATE on SQLite so writers queue instead of deadlocking."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)
