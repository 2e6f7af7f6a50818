"""The community maker's caseload and the program's pact figures at scale.

5,000 pacts (7 teams of 10 community makers, each pact followed by one maker) and
50,000 reviews, generated in SQL on a throw-away PostgreSQL database. Times, as the
median of 7 runs after one warm-up: `pacts.pacts.service.caseload` for one maker
(through need to know: the followed pacts, the team, the next review of each) and
`pacts.figures.service.pact_figures` for program staff; side by side with a baseline
measured in the same command: one plain SQL query over the same rows for each (the
maker's pacts with their next review; every figure with FILTER in one pass), on one
asyncpg connection. Prints both, and the ratio.

    .venv/bin/python bench/pacts_scale.py [--pacts 5000] [--reviews 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = f"legami_bench_pacts_{os.getpid()}"
TEAMS, MAKERS_PER_TEAM, RUNS = 7, 10, 7

CASELOAD_SQL = """
SELECT p.id, p.holder_name, p.town, p.status, p.created_at, t.name,
       (SELECT min(r.scheduled_for) FROM pact_reviews r
         WHERE r.pact = p.id AND r.held_at IS NULL) AS next_review
  FROM pacts p JOIN pact_followers f ON f.pact = p.id JOIN pact_teams t ON t.id = p.team
 WHERE f."user" = $1 ORDER BY p.created_at DESC"""
FIGURES_SQL = """
SELECT count(*) FILTER (WHERE accepted_at IS NOT NULL),
       count(*) FILTER (WHERE accepted_at IS NOT NULL AND status = 'active'),
       count(*) FILTER (WHERE accepted_at IS NOT NULL AND status = 'closed'),
       (SELECT count(*) FROM pact_reviews WHERE held_at IS NOT NULL),
       (SELECT count(*) FROM pact_reviews WHERE held_at IS NOT NULL
           AND ladder_after > ladder_before)
  FROM pacts"""


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def generate(pacts: int, reviews: int) -> tuple[Any, Any]:
    """The program, its teams and makers, the pacts and reviews; the first maker and an
    administrator as callers."""
    import asyncpg

    from app.auth.caller import load_caller
    from app.migrate import migrate
    from app.tables import Membership, Organization, User

    await migrate()
    program = Organization(kind="program", name="FareLegami", town="Cremona")
    await program.save()
    admin = User(email="admin@farelegami.example")
    await admin.save()
    await Membership(user=admin.id, organization=program.id, role="program_admin").save()
    makers = TEAMS * MAKERS_PER_TEAM
    connection = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        for sql in (
            f"INSERT INTO users (id, email, name, is_active, created_at) SELECT "
            f"('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, "
            f"'maker' || i || '@farelegami.example', 'Maker ' || i, true, now() "
            f"FROM generate_series(1, {makers}) i",
            f"INSERT INTO memberships (\"user\", organization, role, created_at) SELECT id, "
            f"'{program.id}', 'community_maker', now() FROM users WHERE email LIKE 'maker%'",
            f"INSERT INTO pact_teams (id, program, name, created_at) SELECT "
            f"('00000000-0000-4000-9000-' || lpad(i::text, 12, '0'))::uuid, '{program.id}', "
            f"'Team ' || i, now() FROM generate_series(1, {TEAMS}) i",
            f"INSERT INTO pact_team_members (team, \"user\", is_coordinator) SELECT "
            f"('00000000-0000-4000-9000-' || lpad((1 + (i - 1) % {TEAMS})::text, 12, '0'))"
            f"::uuid, ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, false "
            f"FROM generate_series(1, {makers}) i",
            f"INSERT INTO pacts (id, program, team, holder_name, household, contact_email, "
            f"language, town, source, source_detail, source_consent_at, status, assessment, "
            f"created_by, created_at, accepted_at, closure_reason, outcome, onward_referral) "
            f"SELECT gen_random_uuid(), '{program.id}', "
            f"('00000000-0000-4000-9000-' || lpad((1 + (i - 1) % {TEAMS})::text, 12, '0'))"
            f"::uuid, 'Persona ' || i, '', 'p' || i || '@example.invalid', 'it', "
            f"(ARRAY['Crema','Cremona','Casalmaggiore'])[1 + i % 3], "
            f"(ARRAY['school','civic_center','lab','social_worker','self'])[1 + i % 5], '', "
            f"current_date - 30, (ARRAY['active','active','active','closed','proposed'])"
            f"[1 + i % 5], '{{}}', ('00000000-0000-4000-8000-' || lpad((1 + (i - 1) % "
            f"{makers})::text, 12, '0'))::uuid, now() - (i || ' minutes')::interval, "
            f"CASE WHEN i % 5 = 4 THEN NULL ELSE now() - interval '20 days' END, '', "
            f"CASE WHEN i % 5 = 3 THEN 'reached' ELSE '' END, '' "
            f"FROM generate_series(1, {pacts}) i",
            "INSERT INTO pact_followers (pact, \"user\", kind, created_at) "
            "SELECT id, created_by, 'maker', now() FROM pacts",
            f"INSERT INTO pact_reviews (pact, scheduled_for, held_at, progress, ladder_before, "
            f"ladder_after, summary) SELECT p.id, now() + ((r.i % 60 - 40) || ' days')::interval,"
            f" CASE WHEN r.i % 3 = 0 THEN NULL ELSE now() - interval '1 day' END, '{{}}', "
            f"1 + r.i % 5, 1 + r.i % 7, '' FROM generate_series(1, {reviews}) r(i) "
            f"JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM pacts) p "
            f"ON p.n = r.i % {pacts}",
            "ANALYZE",
        ):
            await connection.execute(sql)
    finally:
        await connection.close()
    maker = await load_caller(__import__("uuid").UUID("00000000-0000-4000-8000-000000000001"))
    return maker, await load_caller(admin.id)


async def median(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    result = await call()  # warm-up
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


async def run(pacts: int, reviews: int) -> None:
    import asyncpg

    from app.db import close_pool, open_pool
    from pacts.figures.service import pact_figures
    from pacts.pacts.service import caseload

    await open_pool()
    try:
        started = time.perf_counter()
        maker, admin = await generate(pacts, reviews)
        print(f"{pacts:,} pacts and {reviews:,} reviews generated in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        connection = await asyncpg.connect(os.environ["DATABASE_URL"])
        try:
            rows = [
                ("caseload (one maker)", await median(lambda: caseload(maker)),
                 await median(lambda: connection.fetch(CASELOAD_SQL, maker.user_id))),
                ("program figures", await median(lambda: pact_figures(admin)),
                 await median(lambda: connection.fetch(FIGURES_SQL))),
            ]
        finally:
            await connection.close()
    finally:
        await close_pool()
    print(f"{'page':<24}{'Legami':>12}{'plain SQL':>12}{'ratio':>8}  rows")
    for name, (ours, result), (base, plain) in rows:
        size = len(result) if isinstance(result, list) else 1
        print(f"{name:<24}{ours * 1000:>10.1f}ms{base * 1000:>10.1f}ms{ours / base:>8.1f}  "
              f"{size} / {len(plain)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pacts", type=int, default=5_000)
    parser.add_argument("--reviews", type=int, default=50_000)
    args = parser.parse_args()
    asyncio.run(_admin(f'CREATE DATABASE "{DB_NAME}"'))
    os.environ.update({"DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME,
                       "LEGAMI_ENV": "test", "SECRET_KEY": secrets.token_hex(32),
                       "BROKER_URL": "embedded", "SMTP_URL": "dev"})
    try:
        asyncio.run(run(args.pacts, args.reviews))
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
