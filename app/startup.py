"""What the operator reads when the database or the mail server does not answer.

Each problem becomes one line naming the setting and what to check, never a
traceback: `legami migrate` and `legami serve` stop with it, the worker says it once
and waits, and a web request caught by a database outage answers 503.
"""

from __future__ import annotations

import socket
import sqlite3
from urllib.parse import unquote, urlsplit

import asyncpg

from app.settings import Settings, get_settings

SMTP_PORTS = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}


class Unavailable(Exception):
    """A service the process needs does not answer; the message is one line."""


def database_problem(error: BaseException, settings: Settings | None = None) -> str | None:
    """One line for a database that cannot be used, or None for any other error."""
    settings = settings or get_settings()
    if settings.db_engine == "sqlite":
        if isinstance(error, sqlite3.OperationalError) and "unable to open" in str(error):
            return (f"DATABASE_URL: cannot open the SQLite file {settings.sqlite_path}; "
                    "check that its folder exists and is writable")
        return None
    parts = urlsplit(settings.database_url)
    where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    name = parts.path.lstrip("/") or unquote(parts.username or "")
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return (f"DATABASE_URL: the database '{name}' does not exist on {where}; create it "
                f"(createdb {name}) or correct the name, then run legami migrate")
    if isinstance(error, asyncpg.InvalidAuthorizationSpecificationError
                  | asyncpg.InvalidPasswordError):
        return (f"DATABASE_URL: {where} refused the user '{unquote(parts.username or '')}'; "
                "check the user name and password")
    refused_now = (isinstance(error, asyncpg.ObjectNotInPrerequisiteStateError)
                   and "accepting connections" in str(error)) or (
        isinstance(error, asyncpg.InsufficientPrivilegeError)
        and "permission denied for database" in str(error))
    if refused_now or isinstance(error, asyncpg.CannotConnectNowError
                                 | asyncpg.TooManyConnectionsError):
        return (f"DATABASE_URL: the database at {where} does not take connections now "
                "(starting, stopping or full); try again in a few minutes")
    # InternalClientError: a pooled connection cut by the outage mid-operation fails when
    # the pool resets it ("another operation is in progress"): the same outage, seen late.
    if isinstance(error, OSError | asyncpg.ConnectionDoesNotExistError
                  | asyncpg.InterfaceError | asyncpg.AdminShutdownError
                  | asyncpg.InternalClientError):
        return (f"DATABASE_URL: cannot reach the database at {where}; check that PostgreSQL "
                "is running and that the host and port are right")
    return None


async def check_database() -> None:
    """Raise `Unavailable` with one line when the database cannot be used."""
    from piccolo.querystring import QueryString

    from app.db import engine

    try:
        await engine().run_querystring(QueryString("SELECT 1"))
    except Exception as error:
        problem = database_problem(error)
        if problem is None:
            raise
        raise Unavailable(problem) from None


def smtp_problem(settings: Settings | None = None, timeout: float = 3) -> str | None:
    """One line when the mail server does not answer; mail then waits in its jobs."""
    settings = settings or get_settings()
    if settings.smtp_url == "dev":
        return None
    parts = urlsplit(settings.smtp_url)
    host, port = parts.hostname or "localhost", parts.port or SMTP_PORTS[parts.scheme]
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError:
        return (f"SMTP_URL: cannot reach the mail server at {host}:{port}; mail waits until "
                "it answers (check the host, the port and the firewall)")
    return None
