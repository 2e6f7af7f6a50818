"""Survey submissions per second: Legami's answer page against a plain asyncpg floor.

Both servers run under uvicorn (one process each, same settings) on a throw-away
PostgreSQL database. Legami: the last (here the only) section of a survey posted with
"send" to `/r/<token>/1`: CSRF check, link, wave and draft in one query, validation,
then one statement (invitation marked answered, draft deleted, sealed response), and
now and then a flush job, which the embedded worker runs meanwhile, moving sealed
responses into `responses` and `answers`. The
floor: a minimal Litestar handler that parses the same form and stores the same response
and answers with plain asyncpg in one transaction. Each level runs the floor, then
Legami, in turns, with N concurrent clients (httpx), each posting one submission after
another; the figures gather all turns of a server.

    .venv/bin/python bench/submit_throughput.py [--submissions 3000] [--clients 50 200]

Goal (issue 4): Legami at least 0.6 of the floor's throughput, at most 1.5 times its p99.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from litestar import Litestar, Request, get, post
from litestar.response import Redirect

from app.crypto import token_hash

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = f"legami_bench_{secrets.token_hex(4)}"
WARM_UP = 50
FLUSH_WAIT = 8  # seconds: a flush is asked for at most every 5 s, and runs 5 s later

CHOICE = [{"key": k, "text": {"it": k, "en": k}} for k in ("a", "b", "c", "d")]
SURVEY = {
    "title": {"it": "Banco di prova", "en": "Bench"},
    "sections": [{"key": "only", "title": {"it": "Tutto", "en": "All"}, "questions": [
        {"key": "children", "type": "single", "required": True, "options": CHOICE,
         "text": {"it": "Figli?"}},
        {"key": "ages", "type": "multiple", "options": CHOICE, "text": {"it": "Età?"},
         "show_if": {"question": "children", "any_of": ["a"]}},
        {"key": "household", "type": "number", "minimum": 1, "maximum": 15, "required": True,
         "text": {"it": "Persone?"}},
        {"key": "stress", "type": "scale", "required": True, "text": {"it": "Fatica?"},
         "options": [{"key": str(n), "text": {"it": str(n)}} for n in range(1, 6)]},
        {"key": "services", "type": "grid", "required": True, "options": CHOICE,
         "rows": [{"key": f"r{i}", "text": {"it": f"r{i}"}} for i in range(4)],
         "text": {"it": "Servizi?"}},
        {"key": "idea", "type": "text", "text": {"it": "Idea?"}},
    ]}],
}
ANSWERS: dict[str, Any] = {
    "a_children": "a", "a_ages": ["b", "c"], "a_household": "4", "a_stress": "3",
    **{f"a_services__r{i}": "b" for i in range(4)}, "a_idea": "Un doposcuola in azienda",
}
SHOWN = "children,ages,household,stress,services,idea"


# The floor ---------------------------------------------------------------------------------


def floor_app() -> Any:
    """The floor: parse the form, store response and answers in one asyncpg transaction."""
    import asyncpg

    state: dict[str, Any] = {}
    wave, company = os.environ["BENCH_WAVE"], os.environ["BENCH_COMPANY"]

    async def start() -> None:
        state["pool"] = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=1,
                                                  max_size=10)

    @get("/healthz")
    async def healthz() -> str:
        return "ok"

    @post("/submit")
    async def submit(request: Request[Any, Any, Any]) -> Redirect:
        form = await request.form()
        response_id = uuid4()
        rows = _floor_rows(response_id, form)
        async with state["pool"].acquire() as connection, connection.transaction():
            await connection.execute(
                "INSERT INTO responses (id, wave, company, submitted_on, group_values) "
                "VALUES ($1, $2, $3, $4, $5)", response_id, wave, company, date.today(),
                json.dumps({"department": "Logistica"}))
            await connection.executemany(
                "INSERT INTO answers (response, question, row_key, option_key, number, text) "
                "VALUES ($1, $2, $3, $4, $5, $6)", rows)
        return Redirect("/thanks", status_code=303)

    return Litestar([healthz, submit], on_startup=[start])


def _floor_rows(response_id: Any, form: Any) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for name in form:
        if not name.startswith("a_"):
            continue
        key, _, row = name[2:].partition("__")
        for value in form.getall(name):
            if key in ("household", "stress"):
                rows.append((response_id, key, "", "", int(value), ""))
            elif key == "idea":
                rows.append((response_id, key, "", "", None, value))
            else:
                rows.append((response_id, key, row, value, None, ""))
    return rows


# Setting up ---------------------------------------------------------------------------------


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def prepare(invitations: int) -> tuple[str, str, list[str]]:
    """Migrate, open a wave over SURVEY, and invite `invitations` people by link."""
    from app.clock import now
    from app.db import close_pool, open_pool
    from app.migrate import migrate
    from app.tables import Organization
    from surveys.distribution.tokens import new_link_token
    from surveys.tables import Invitation, Survey, SurveyVersion, Wave

    await migrate()
    await open_pool()
    company = Organization(kind="company", name="Officine Bench")
    await company.save()
    survey = Survey(owner=company.id, title="Bench")
    await survey.save()
    version = SurveyVersion(survey=survey.id, definition=SURVEY, frozen_at=now())
    await version.save()
    wave = Wave(version=version.id, owner=company.id, title="Bench", status="open",
                opens_on=date.today() - timedelta(days=1),
                closes_on=date.today() + timedelta(days=30),
                reporting_groups=[{"key": "department", "source": "roster"}])
    await wave.save()
    tokens = [new_link_token() for _ in range(invitations)]
    for start in range(0, invitations, 1000):
        await Invitation.insert(*[
            Invitation(wave=wave.id, company=company.id, channel="mail",
                       token_hash=token_hash(token), group_values={"department": "Logistica"})
            for token in tokens[start:start + 1000]])
    await close_pool()
    return str(wave.id), str(company.id), tokens


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(app: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--factory", "--port", str(port),
         "--log-level", "warning", "--no-access-log", "--app-dir", str(ROOT / "bench")],
        cwd=ROOT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, url
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"{app} did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=15)


# Load ----------------------------------------------------------------------------------------


async def _client(url: str, legami: bool) -> tuple[Any, dict[str, str]]:
    """A browser: Legami's opens a page first for its CSRF cookie and form token."""
    import httpx

    client = httpx.AsyncClient(base_url=url, timeout=60)
    if not legami:
        return client, {}
    page = await client.get("/codice")
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF token on /codice"
    return client, {"_csrf_token": match.group(1), "shown": SHOWN, "action": "submit"}


def _requests(legami: bool, tokens: list[str]) -> list[tuple[str, str]]:
    """(path, expected redirect) per submission: a fresh link each time for Legami."""
    if legami:
        return [(f"/r/{token}/1", f"/r/{token}?lang=") for token in tokens]
    return [("/submit", "/thanks")] * len(tokens)


async def load(url: str, legami: bool, clients: int, tokens: list[str]
               ) -> tuple[float, list[float], int]:
    """Post one submission per token over `clients` connections; (seconds, latencies, fails)."""
    sessions = await asyncio.gather(*[_client(url, legami) for _ in range(clients)])
    queue = list(reversed(_requests(legami, tokens)))
    latencies: list[float] = []
    failures = 0

    async def run(client: Any, extra: dict[str, str]) -> None:
        nonlocal failures
        while queue:
            path, expected = queue.pop()
            started = time.perf_counter()
            answer = await client.post(path, data={**ANSWERS, **extra})
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 303 or not answer.headers["location"].startswith(expected):
                failures += 1

    started = time.perf_counter()
    await asyncio.gather(*[run(client, extra) for client, extra in sessions])
    elapsed = time.perf_counter() - started
    await asyncio.gather(*[client.aclose() for client, _ in sessions])
    return elapsed, latencies, failures


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def level(servers: dict[str, str], clients: int, tokens: list[str], submissions: int,
                rounds: int) -> dict[str, tuple[float, float, float, int]]:
    """Floor and Legami in turns (`rounds` each, so a busy moment of the machine hits
    both alike) at `clients` concurrent clients; uses up tokens of `tokens`."""
    spent: dict[str, float] = dict.fromkeys(servers, 0.0)
    latencies: dict[str, list[float]] = {name: [] for name in servers}
    failures: dict[str, int] = dict.fromkeys(servers, 0)
    for name, url in servers.items():  # warm up
        await load(url, name == "legami", min(clients, WARM_UP), tokens[:WARM_UP])
        del tokens[:WARM_UP]
    share = submissions // rounds
    for _ in range(rounds):
        for name, url in servers.items():
            legami = name == "legami"
            elapsed, timed, failed = await load(url, legami, clients, tokens[:share])
            if legami:
                del tokens[:share]
            spent[name] += elapsed
            latencies[name] += timed
            failures[name] += failed
    return {name: (len(latencies[name]) / spent[name],
                   statistics.median(latencies[name]) * 1000,
                   _percentile(latencies[name], 0.99), failures[name]) for name in servers}


async def stored() -> tuple[int, int]:
    import asyncpg

    connection = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        sealed = await connection.fetchval("SELECT count(*) FROM ballots")
        kept = await connection.fetchval("SELECT count(*) FROM responses")
    finally:
        await connection.close()
    return int(sealed), int(kept)


def report(clients: int, figures: dict[str, tuple[float, float, float, int]]) -> None:
    for name, (rate, p50, p99, failures) in figures.items():
        print(f"{clients:>7}  {name:<7} {rate:9.0f} {p50:9.1f} {p99:9.1f} {failures:8}")
    floor, legami = figures["floor"], figures["legami"]
    through, tail = legami[0] / floor[0], legami[2] / floor[2]
    verdict = "goal met" if through >= 0.6 and tail <= 1.5 else "goal missed"
    print(f"{'':>7}  ratio   {through:9.2f} {legami[1] / floor[1]:9.2f} {tail:9.2f}"
          f"   ({verdict}: ≥ 0.60 throughput, ≤ 1.50 p99)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=3000, help="timed, per level")
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--rounds", type=int, default=3, help="turns of floor and Legami")
    args = parser.parse_args()
    asyncio.run(_admin(f'CREATE DATABASE "{DB_NAME}"'))
    env = {"DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME,
           "LEGAMI_ENV": "development", "SECRET_KEY": "b" * 40, "BROKER_URL": "embedded",
           "SMTP_URL": "dev", "VAR_DIR": tempfile.mkdtemp(prefix="legami-bench-")}
    os.environ.update(env)
    processes = []
    try:
        needed = len(args.clients) * (args.submissions + 2 * WARM_UP)
        wave, company, tokens = asyncio.run(prepare(needed))
        floor, floor_url = serve("submit_throughput:floor_app",
                                 {"BENCH_WAVE": wave, "BENCH_COMPANY": company})
        app, app_url = serve("legami.application:create_app", {})
        processes = [floor, app]
        print(f"submissions on PostgreSQL, {args.submissions} timed per level and server in "
              f"{args.rounds} turns, uvicorn (1 process each), httpx clients, "
              f"{os.cpu_count()} CPUs")
        print(f"{'clients':>7}  {'server':<7} {'subs/s':>9} {'p50 ms':>9} {'p99 ms':>9} "
              f"{'failures':>8}")
        for clients in args.clients:
            figures = asyncio.run(level({"floor": floor_url, "legami": app_url}, clients,
                                        tokens, args.submissions, args.rounds))
            report(clients, figures)
        time.sleep(FLUSH_WAIT)  # the embedded worker empties the ballot box
        sealed, kept = asyncio.run(stored())
        print(f"stored: {kept} responses (floor and Legami together), {sealed} still sealed")
    finally:
        for process in processes:
            stop(process)
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
