"""Apply every domain's migrations, in dependency order."""

from __future__ import annotations

import contextlib
import io
import os

from app.db import engine, is_sqlite


async def migrate() -> str:
    """Run what has not run yet; return piccolo's report. Raises on failure."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    if is_sqlite():
        path = engine().connection_kwargs["database"]  # type: ignore[attr-defined]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # WAL lets readers go on while one writer commits: the embedded default's web
        # process and its worker threads share one file.
        await engine().run_ddl("PRAGMA journal_mode=WAL")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = await run_forwards("all")
    if not result.success:
        raise RuntimeError(result.message or out.getvalue())
    return out.getvalue()
