"""Releasing a wave at scale: responses × 30 questions over many companies, on PostgreSQL.

On a throw-away PostgreSQL database, each size is one closed wave generated in SQL
(`INSERT … SELECT generate_series`): responses spread unevenly over the companies in
30 towns (many small companies), three reporting groups, invitations for the response
rates. The last `--sealed` responses of each wave are left sealed in the ballot box
(AES-GCM, `surveys.sealing`), as the ones that arrive on the last day: the rest were
moved out in batches while the wave was open, as the flush job does, and added to the
wave's sealed tallies (`surveys.results.tally.fold`) as those flushes did: that fold is
timed apart (`fold`), it is not part of the close. For each size it
times, in the same run, with peak Python memory (tracemalloc) and the process's peak
RSS:

- the baseline: one plain `SELECT question, option_key, count(*) … GROUP BY` over the
  wave's answers (the least any exact count must read);
- closing: the time to frozen figures (`service.release_wave`), and what it is made of:
  opening the sealed ballots left at the close and storing them (`flush`; `open` times
  the opening of their boxes alone, apart, outside the freeze), counting
  every company and reporting group from the sealed tallies, or in SQL when they cannot
  be used (`count`), and the rest (every cell of every
  company, town and reporting group decided, the comments chosen, the release written);
- program staff's results page data (`program_results`) and the largest company's
  (`company_results`: its town, reporting groups, cross-tabulations), read from the
  frozen release.

    .venv/bin/python bench/results_scale.py                      # 20,000 × 30, a few minutes
    .venv/bin/python bench/results_scale.py --responses 1000000  # the issue's 1,000,000 × 30
    .venv/bin/python bench/results_scale.py --responses 10000 100000 --companies 300 --sealed 0
    .venv/bin/python bench/results_scale.py --responses 100000 --profile  # where the freeze goes
    .venv/bin/python bench/results_scale.py --responses 1000000 --keep legami_bench_1m
    # ... and again: the same wave closed again, without generating it (under a minute)

Goal (issue 11): frozen figures in less time than the plain GROUP BY; pages under
100 ms. Nothing is asserted: the figures are printed, with the ratios to the baseline
and the machine's load average (the timings of a shared machine move with it).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import resource
import secrets
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = f"legami_bench_results_{secrets.token_hex(4)}"
COMPANIES, TOWNS = 1000, 30  # --companies changes the first
SEALED = 1000  # responses left sealed in the ballot box at the close (--sealed)
FOLD_BATCH = 20_000  # responses per fold of the stored ones (--fold-batch)
PROFILE = False  # --profile: the freeze under cProfile, its top functions printed
KEEP = ""  # --keep NAME: the database kept after the run, and its waves used again
REFOLD = False  # --refold: a kept wave's tallies added up again (their form changed)
AREAS = ["children", "elder_care", "working_time", "commuting", "time_saving", "finances",
         "housing", "health", "social_ties", "participation"]


def _options(*keys: str) -> list[dict[str, Any]]:
    return [{"key": k, "text": {"it": k, "en": k}} for k in keys]


def _question(key: str, kind: str, area: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "type": kind, "area": area, "text": {"it": key, "en": key}, **extra}


def survey() -> dict[str, Any]:
    """30 questions: 8 single choice (three of them cross-tabulation attributes), 8
    multiple, 6 scales, 3 numbers, 3 grids of 3 rows, 2 free texts."""
    four = _options("o1", "o2", "o3", "o4")
    questions = [
        _question("has_children_u14", "single", "children", reporting_attribute=True,
                  options=_options("yes", "no", "no_answer")),
        _question("cares_for_relative", "single", "elder_care", options=_options("yes", "no")),
        _question("work_schedule", "single", "working_time", options=four),
        *(_question(f"single_{i}", "single", AREAS[i % 10], options=four) for i in range(4, 9)),
        *(_question(f"multi_{i}", "multiple", AREAS[i % 10],
                    options=_options("o1", "o2", "o3", "o4", "o5", "nothing"))
          for i in range(1, 9)),
        *(_question(f"scale_{i}", "scale", AREAS[i % 10], options=_options(*"12345"))
          for i in range(1, 7)),
        *(_question(f"number_{i}", "number", AREAS[i % 10], minimum=0, maximum=59)
          for i in range(1, 4)),
        *(_question(f"grid_{i}", "grid", AREAS[i % 10], options=_options(*"abcde"),
                    rows=_options("r1", "r2", "r3")) for i in range(1, 4)),
        *(_question(f"text_{i}", "text", "participation") for i in range(1, 3)),
    ]
    return {"title": {"it": "Banco di prova"}, "languages": ["it", "en"],
            "sections": [{"key": "all", "title": {"it": "Tutto"}, "questions": questions}]}


GROUPS = [{"key": "department", "source": "roster"}, {"key": "site", "source": "roster"},
          {"key": "has_children_u14", "source": "question"}]


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _execute(*statements: str) -> None:
    """Run `statements` on one connection (they share its temporary tables)."""
    import asyncpg

    connection = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        for sql in statements:
            await connection.execute(sql)
    finally:
        await connection.close()


async def prepare() -> tuple[UUID, UUID]:
    """Migrate; make the program, its staff member, 1,000 companies and the survey."""
    from app.migrate import migrate
    from app.tables import Membership, Organization, User
    from surveys.tables import Survey, SurveyVersion

    await migrate()
    program = Organization(kind="program", name="FareLegami", town="Cremona")
    await program.save()
    staff = User(email="staff@farelegami.example")
    await staff.save()
    await Membership(user=staff.id, organization=program.id, role="program_admin").save()
    await _execute(
        "INSERT INTO organizations (id, kind, name, town, status, created_at) "
        f"SELECT gen_random_uuid(), 'company', 'Azienda ' || i, 'Comune ' || (i % {TOWNS}), "
        f"'active', now() FROM generate_series(1, {COMPANIES}) i")
    owner = Survey(owner=program.id, title="Banco di prova")
    await owner.save()
    version = SurveyVersion(survey=owner.id, number=1, definition=survey())
    await version.save()
    return staff.id, version.id


async def generate(version: UUID, size: int, opens_on: date) -> UUID:
    """One closed wave of `size` responses over every company, in SQL."""
    from surveys.tables import Wave

    wave = Wave(version=version, owner=(await _program()), title=f"{size} risposte",
                program_wide=True, opens_on=opens_on, closes_on=opens_on + timedelta(days=14),
                status="closed", reporting_groups=GROUPS)
    await wave.save()
    await _execute(*_generation(str(wave.id), size))
    return wave.id


async def _program() -> UUID:
    from app.tables import Organization

    row = await Organization.select(Organization.id).where(
        Organization.kind == "program").first()
    return row["id"]  # type: ignore[no-any-return]


def _generation(wave: str, size: int) -> list[str]:
    """Statements adding `size` responses to the wave."""
    # Skewed company sizes: a few large companies, many with a handful of people.
    companies = ("CREATE TEMP TABLE IF NOT EXISTS bench_companies AS SELECT id, "
                 "row_number() OVER (ORDER BY name) AS i FROM organizations "
                 "WHERE kind = 'company'")
    responses = (
        f"INSERT INTO responses (id, wave, company, submitted_on, group_values) "
        f"SELECT gen_random_uuid(), '{wave}', c.id, '2026-03-02', json_build_object("
        "'department', 'Reparto ' || (1 + floor(random() * 6))::int, "
        "'site', 'Sede ' || (1 + floor(random() * 2))::int, "
        "'has_children_u14', (ARRAY['yes','no','no_answer'])[1 + floor(random() * 3)::int]) "
        f"FROM (SELECT 1 + least({COMPANIES - 1}, floor({COMPANIES} * power(random(), 1.6))::int)"
        f" AS i FROM generate_series(1, {size})) g JOIN bench_companies c ON c.i = g.i")
    # The responses just added: those with no answers yet.
    fresh = ("CREATE TEMP TABLE fresh AS SELECT r.id FROM responses r WHERE r.wave = "
             f"'{wave}' AND NOT EXISTS (SELECT 1 FROM answers x WHERE x.response = r.id)")
    mine = f"FROM responses r JOIN fresh ON fresh.id = r.id WHERE r.wave = '{wave}'"

    def answers(select: str, joins: str = "", where: str = "") -> str:
        return ("INSERT INTO answers (response, question, row_key, option_key, number, text) "
                f"SELECT r.id, {select} FROM responses r JOIN fresh ON fresh.id = r.id {joins} "
                f"WHERE r.wave = '{wave}' {where}")

    # A throw-away database: bulk loading goes faster without the answers' indexes.
    unindexed = ["DROP INDEX IF EXISTS answers_response",
                 "DROP INDEX IF EXISTS answers_question"]
    reindexed = ["CREATE INDEX answers_response ON answers (response)",
                 "CREATE INDEX answers_question ON answers (question)",
                 "VACUUM ANALYZE responses", "VACUUM ANALYZE answers",
                 "ANALYZE invitations"]
    return [
        companies, "DROP TABLE IF EXISTS fresh", responses, fresh, *unindexed,
        answers("'has_children_u14', '', r.group_values ->> 'has_children_u14', NULL, ''"),
        answers("'cares_for_relative', '', (ARRAY['yes','no'])[1 + floor(random() * 2)::int],"
                " NULL, ''"),
        answers("k, '', 'o' || (1 + floor(random() * 4))::int, NULL, ''",
                "CROSS JOIN unnest(ARRAY['work_schedule','single_4','single_5','single_6',"
                "'single_7','single_8']) k"),
        answers("'multi_' || k, '', CASE WHEN o = 6 THEN 'nothing' ELSE 'o' || o END, NULL, ''",
                "CROSS JOIN generate_series(1, 8) k CROSS JOIN generate_series(1, 6) o",
                "AND random() < 0.25"),
        answers("'scale_' || k, '', '', 1 + floor(random() * 5)::int, ''",
                "CROSS JOIN generate_series(1, 6) k"),
        answers("'number_' || k, '', '', floor(random() * 60)::int, ''",
                "CROSS JOIN generate_series(1, 3) k"),
        answers("'grid_' || k, 'r' || w, chr(97 + floor(random() * 5)::int), NULL, ''",
                "CROSS JOIN generate_series(1, 3) k CROSS JOIN generate_series(1, 3) w"),
        answers("'text_' || k, '', '', NULL, 'Un orario più flessibile'",
                "CROSS JOIN generate_series(1, 2) k", "AND random() < 0.3"),
        # Invitations: everyone who answered, and three in ten more who did not.
        "INSERT INTO invitations (wave, company, channel, group_values, answered, "
        "reminders_sent, created_at) SELECT r.wave, r.company, 'code', json_build_object("
        "'department', r.group_values ->> 'department', 'site', r.group_values ->> 'site'), "
        f"true, 0, now() {mine}",
        "INSERT INTO invitations (wave, company, channel, group_values, answered, "
        "reminders_sent, created_at) SELECT r.wave, r.company, 'code', json_build_object("
        "'department', r.group_values ->> 'department', 'site', r.group_values ->> 'site'), "
        f"false, 0, now() {mine} AND random() < 0.3",
        "INSERT INTO wave_companies (wave, company) SELECT DISTINCT r.wave, r.company "
        f"{mine} AND NOT EXISTS (SELECT 1 FROM wave_companies w WHERE w.wave = r.wave "
        "AND w.company = r.company)",
        *reindexed,
    ]


# Measuring ---------------------------------------------------------------------------


async def timed(work: Any) -> tuple[float, float, Any]:
    """Seconds of awaiting `work()`, then its peak Python memory (MB) measured on a
    second run (tracemalloc slows Python down)."""
    started = time.perf_counter()
    result = await work()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    await work()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return elapsed, peak, result


async def floor(wave: UUID) -> float:
    import asyncpg

    connection = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        started = time.perf_counter()
        await connection.fetch(
            "SELECT a.question, a.option_key, count(*) FROM answers a JOIN responses r "
            "ON r.id = a.response WHERE r.wave = $1 GROUP BY 1, 2", wave)
        return time.perf_counter() - started
    finally:
        await connection.close()


async def seal_last(wave: UUID, count: int) -> float:
    """Put `count` of the wave's responses back into the ballot box, sealed; return the
    seconds that opening their boxes alone takes (AES-GCM and JSON, no database)."""
    from surveys.ballot.service import BALLOT_PURPOSE
    from surveys.sealing import seal, unseal
    from surveys.tables import Answer, Ballot, Response

    rows = await Response.select(Response.id, Response.company, Response.submitted_on,
                                 Response.group_values).where(Response.wave == wave).limit(count)
    ids = [row["id"] for row in rows]
    if not ids:
        return 0.0
    answers: dict[UUID, list[dict[str, Any]]] = {i: [] for i in ids}
    for answer in await Answer.select(Answer.response, Answer.question, Answer.row_key,
                                      Answer.option_key, Answer.number, Answer.text).where(
            Answer.response.is_in(ids)):
        answers[answer.pop("response")].append(
            {k: v for k, v in answer.items() if v not in (None, "")})
    boxes = [Ballot(wave=wave, box=seal({
        "company": str(row["company"]), "submitted_on": str(row["submitted_on"]),
        "group_values": json.loads(row["group_values"]) if isinstance(row["group_values"], str)
        else row["group_values"], "answers": answers[row["id"]]}, BALLOT_PURPOSE))
        for row in rows]
    for start in range(0, len(boxes), 1000):
        await Ballot.insert(*boxes[start:start + 1000])
    await Answer.delete().where(Answer.response.is_in(ids))
    await Response.delete().where(Response.id.is_in(ids))
    started = time.perf_counter()
    for box in boxes:
        unseal(box.box, BALLOT_PURPOSE)
    return time.perf_counter() - started


async def fold_stored(wave: UUID, batch: int) -> tuple[float, int]:
    """Add the wave's stored responses to its tallies as the flushes that stored them did
    while the wave was open (`surveys.results.tally.fold`, in `batch`es, each in its own
    transaction); return the seconds of folding alone (reading the rows back, in one
    pass ordered by response, is not timed: a flush holds them already) and the batches."""
    import asyncpg

    from app.db import transaction
    from surveys.results import tally

    spent, batches = 0.0, 0
    responses: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []

    async def fold() -> None:
        nonlocal spent, batches
        started = time.perf_counter()
        async with transaction():
            await tally.fold(wave, responses, answers)
        spent += time.perf_counter() - started
        batches += 1
        responses.clear()
        answers.clear()

    connection = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        async with connection.transaction():
            async for row in connection.cursor(
                    "SELECT r.id, r.company, r.group_values, a.question, a.row_key, "
                    "a.option_key, a.number, a.text FROM responses r JOIN answers a "
                    "ON a.response = r.id WHERE r.wave = $1 ORDER BY r.id", wave,
                    prefetch=20_000):
                if not responses or responses[-1]["id"] != row["id"]:
                    if len(responses) >= batch:
                        await fold()
                    responses.append({"id": row["id"], "company": row["company"],
                                      "group_values": json.loads(row["group_values"])})
                answers.append({"response": row["id"], "question": row["question"],
                                "row_key": row["row_key"], "option_key": row["option_key"],
                                "number": row["number"], "text": row["text"]})
        if responses:
            await fold()
        return spent, batches
    finally:
        await connection.close()


# Kept databases (--keep): a wave generated and folded once, closed again and again -----

SNAPSHOT = [  # what a freeze changes, as it was before the first one
    "CREATE TABLE bench_tallies AS SELECT * FROM result_tallies WHERE wave = '{w}'",
    "CREATE TABLE bench_ballots AS SELECT * FROM ballots WHERE wave = '{w}'",
    "CREATE TABLE bench_kept AS SELECT id FROM responses WHERE wave = '{w}'",
    "CREATE UNIQUE INDEX ON bench_kept (id)",
]
RESTORE = [  # back to the snapshot: the sealed ballots unopened, the tallies unread
    "DELETE FROM result_releases WHERE wave = '{w}'",
    "DELETE FROM result_tallies WHERE wave = '{w}'",
    "INSERT INTO result_tallies SELECT * FROM bench_tallies",
    "CREATE TEMP TABLE bench_new AS SELECT id FROM responses r WHERE wave = '{w}' "
    "AND NOT EXISTS (SELECT 1 FROM bench_kept k WHERE k.id = r.id)",
    "DELETE FROM answers WHERE response IN (SELECT id FROM bench_new)",
    "DELETE FROM responses WHERE id IN (SELECT id FROM bench_new)",
    "DELETE FROM ballots WHERE wave = '{w}'",
    "INSERT INTO ballots SELECT * FROM bench_ballots",
    "UPDATE waves SET closed_at = NULL WHERE id = '{w}'",
]


async def kept_wave(size: int) -> UUID | None:
    """The wave of `size` responses a kept database already holds, back as it was
    before its first close; None when it holds none."""
    import asyncpg

    connection = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        if not await connection.fetchval("SELECT to_regclass('bench_kept') IS NOT NULL"):
            return None
        wave = await connection.fetchval(
            "SELECT id FROM waves WHERE title = $1", f"{size} risposte")
    finally:
        await connection.close()
    if wave is not None:
        await _execute(*(sql.format(w=wave) for sql in RESTORE))
    return wave  # type: ignore[no-any-return]


async def measure(staff: UUID, wave: UUID, size: int, again: bool = False
                  ) -> dict[str, float]:
    """`again`: a kept wave, already sealed and folded (`kept_wave`)."""
    from app.auth.caller import load_caller
    from surveys.ballot.service import flush_wave
    from surveys.results import frozen, service, tally

    caller = await load_caller(staff)
    assert caller is not None
    base = await floor(wave)  # over every row: the sealed ones are counted from the box
    opening, folding, batches = 0.0, 0.0, 0
    if not again:
        opening = await seal_last(wave, SEALED)
    if not again or REFOLD:
        await _execute(f"DELETE FROM result_tallies WHERE wave = '{wave}'")
        folding, batches = await fold_stored(wave, FOLD_BATCH)
        if KEEP:
            await _execute("DROP TABLE IF EXISTS bench_tallies, bench_ballots, bench_kept",
                           *(sql.format(w=wave) for sql in SNAPSHOT))
    print(f"  folded into the tallies in {folding:.1f} s ({batches} batches)", flush=True)
    parts: dict[str, float] = {"flush": 0.0, "count": 0.0}
    counting, tallying = frozen.count, tally.load

    async def timed_count(*args: Any) -> Any:
        started = time.perf_counter()
        try:
            return await counting(*args)
        finally:
            parts["count"] += time.perf_counter() - started

    async def release() -> None:
        started = time.perf_counter()
        await flush_wave(wave)  # what `release_wave` does first
        parts["flush"] = time.perf_counter() - started
        if not PROFILE:
            await service.release_wave(wave)
            return
        profile = cProfile.Profile()
        profile.enable()
        try:
            await service.release_wave(wave)
        finally:
            profile.disable()
            for order in ("cumulative", "tottime"):
                pstats.Stats(profile).sort_stats(order).print_stats(40)

    async def timed_tally(*args: Any) -> Any:
        started = time.perf_counter()
        try:
            found = await tallying(*args)
            parts["tallied"] = float(found is not None)
            return found
        finally:
            parts["count"] += time.perf_counter() - started

    frozen.count, tally.load = timed_count, timed_tally  # type: ignore[assignment]
    try:  # timed without tracemalloc, which slows Python down: its memory is the RSS
        started = time.perf_counter()
        await release()
        freeze = time.perf_counter() - started
    finally:
        frozen.count, tally.load = counting, tallying  # type: ignore[assignment]
    program, program_mb, found = await timed(lambda: service.program_results(caller, wave))
    largest = max(found.rates[1 + len(found.towns):], key=lambda r: r.invited or 0)
    company, company_mb, _ = await timed(lambda: service.company_results(
        caller, largest.group.company_id, wave))
    return {"size": size, "sealed": min(SEALED, size), "floor": base, "freeze": freeze,
            "flush": parts["flush"], "open": opening, "count": parts["count"],
            "tallied": parts.get("tallied", 0.0), "fold": folding, "batches": batches,
            "program": program,
            "company": company, "mb": max(program_mb, company_mb),
            "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
            "load": os.getloadavg()[0]}


def report(rows: list[dict[str, float]]) -> None:
    print(f"\n{'responses':>10} {'sealed':>7} {'GROUP BY s':>10} {'freeze s':>9} "
          f"{'×GROUP BY':>10} {'flush s':>8} {'(open s)':>8} {'count s':>8} {'rest s':>7} "
          f"{'program ms':>11} {'company ms':>11} {'pages MB':>8} {'peak MB':>8} {'load':>5} "
          f"{'fold s':>8} {'tallies':>8}")
    for row in rows:
        rest = row["freeze"] - row["flush"] - row["count"]
        print(f"{int(row['size']):>10,} {int(row['sealed']):>7,} {row['floor']:>10.2f} "
              f"{row['freeze']:>9.2f} {row['freeze'] / row['floor']:>10.2f} "
              f"{row['flush']:>8.2f} {row['open']:>8.2f} {row['count']:>8.2f} {rest:>7.2f} "
              f"{1000 * row['program']:>11.0f} {1000 * row['company']:>11.0f} "
              f"{row['mb']:>8.1f} {row['rss']:>8.0f} {row['load']:>5.1f} "
              f"{row['fold']:>8.1f} {'used' if row['tallied'] else 'not used':>8}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    asked = len(survey()["sections"][0]["questions"])
    print(f"\n{asked} questions, {COMPANIES:,} companies in {TOWNS} towns. "
          "flush: the sealed ballots left at the close opened (AES-GCM, in Python: the key "
          "is outside the database), stored and added to the tallies; (open: opening "
          "their boxes alone, timed apart); the GROUP BY baseline does not open them. "
          "count: the wave's counts read from its sealed tallies (tallies: used), else "
          "every company and reporting group counted in SQL. "
          "rest: the suppression rules, the comments and the release written. "
          "pages MB: peak Python memory (tracemalloc) of a page; peak MB: the process's "
          "peak RSS so far (the freeze included). fold: not part of the close: the time "
          f"the flushes spent, while the wave was open, adding the stored responses to "
          f"the tallies (here in batches of {FOLD_BATCH:,}; a real flush moves 5 or more "
          "every second or so, each touching the tallies of its few companies).\n"
          f"Goal: freeze below ×1.00 the plain GROUP BY; pages under 100 ms. "
          f"Load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}. "
          f"Peak RSS of this process: {rss:.0f} MB.")


async def run(sizes: list[int]) -> None:
    from app.db import close_pool, open_pool
    from app.tables import User

    if KEEP and len(sizes) > 1:
        raise SystemExit("--keep takes one size")
    again = await kept_wave(sizes[0]) if KEEP else None
    if again is None:
        staff, version = await prepare()
    await open_pool()
    try:
        rows = []
        if again is not None:
            staff = (await User.select(User.id).first())["id"]
            print(f"{sizes[0]:,} responses: the kept wave, closed again", flush=True)
            rows.append(await measure(staff, again, sizes[0], again=True))
            sizes = []
        for index, size in enumerate(sizes):
            started = time.perf_counter()
            wave = await generate(version, size, date(2026, 1, 5) + timedelta(days=30 * index))
            print(f"{size:,} responses generated in {time.perf_counter() - started:.0f} s",
                  flush=True)
            rows.append(await measure(staff, wave, size))
            print(json.dumps(rows[-1]), flush=True)
        report(rows)
    finally:
        await close_pool()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", "--sizes", dest="sizes", type=int, nargs="+",
                        default=[20_000], help="responses of each wave (one wave per size)")
    parser.add_argument("--companies", type=int, default=COMPANIES,
                        help="companies the responses spread over (try small runs with few)")
    parser.add_argument("--sealed", type=int, default=SEALED,
                        help="responses still sealed in the ballot box at the close")
    parser.add_argument("--fold-batch", type=int, default=FOLD_BATCH,
                        help="responses per fold of those stored while the wave was open")
    parser.add_argument("--keep", metavar="NAME", default="",
                        help="keep the database NAME after the run; a run with the same "
                        "NAME and size closes its wave again without generating it")
    parser.add_argument("--refold", action="store_true",
                        help="with --keep: add the kept wave's responses up into new tallies "
                        "(after a change of their form)")
    parser.add_argument("--profile", action="store_true",
                        help="run the freeze under cProfile (slower: compare its ratios, "
                        "not its times) and print its top 40 functions")
    args = parser.parse_args()
    globals().update(COMPANIES=args.companies, SEALED=args.sealed, FOLD_BATCH=args.fold_batch,
                     PROFILE=args.profile, KEEP=args.keep,
                     REFOLD=args.refold)
    name = args.keep or DB_NAME
    if not args.keep or not asyncio.run(_exists(name)):
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    os.environ.update({"DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + "/" + name,
                       "LEGAMI_ENV": "test", "BROKER_URL": "embedded", "SMTP_URL": "dev"})
    # The ballot key must open a kept database's boxes and tallies again.
    os.environ.setdefault("SECRET_KEY", ("bench-kept-database-" * 3) if args.keep
                          else secrets.token_hex(32))
    try:
        asyncio.run(run(args.sizes))
    finally:
        if not args.keep:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _exists(name: str) -> bool:
    import asyncpg

    connection = await asyncpg.connect(ADMIN_URL)
    try:
        return bool(await connection.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await connection.close()


if __name__ == "__main__":
    main()
