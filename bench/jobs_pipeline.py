"""Jobs through the outbox pipeline vs. plain dramatiq messages, on PostgreSQL.

Each of N jobs is enqueued in its own transaction (as a web request would), published
by the relay and run by a dramatiq worker that marks the outbox row done. The baseline,
in the same command: N plain dramatiq messages to an actor that does nothing, on the
same kind of broker, with no database. Prints throughput, the ratio and peak memory.

    .venv/bin/python bench/jobs_pipeline.py [--jobs 2000] [--broker redis://127.0.0.1:6379/15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import secrets
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = f"legami_bench_{secrets.token_hex(4)}"


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def pipeline(jobs: int, broker_url: str) -> float:
    from dramatiq import Worker

    from app.db import open_pool, transaction
    from app.jobs import job
    from app.migrate import migrate
    from app.outbox import enqueue
    from app.tables import OutboxJob
    from worker.broker import bind, make_broker
    from worker.relay import relay_forever

    @job("bench.noop")
    async def noop(outbox_id: int, payload: dict) -> None:  # type: ignore[type-arg]
        return None

    await migrate()
    await open_pool()
    broker = make_broker(url=broker_url)
    actors = bind(broker, queue=f"bench-{secrets.token_hex(3)}")
    worker = Worker(broker, worker_threads=8)
    worker.start()
    started = time.perf_counter()
    relay = asyncio.create_task(relay_forever(actors, interval=0.05))
    for number in range(jobs):
        async with transaction():
            await enqueue("bench.noop", {"n": number})
    while await OutboxJob.count().where(OutboxJob.status == "done") < jobs:
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    relay.cancel()
    await asyncio.to_thread(worker.stop)
    broker.close()
    return elapsed


def baseline(jobs: int, broker_url: str) -> float:
    import dramatiq
    from dramatiq import Worker

    from worker.broker import make_broker

    broker = make_broker(url=broker_url)
    done = threading.Semaphore(0)

    def noop(number: int) -> None:
        done.release()

    actor = dramatiq.actor(noop, actor_name="bench.plain", broker=broker,
                           queue_name=f"plain-{secrets.token_hex(3)}")
    worker = Worker(broker, worker_threads=8)
    worker.start()
    started = time.perf_counter()
    for number in range(jobs):
        actor.send(number)
    for _ in range(jobs):
        done.acquire()
    elapsed = time.perf_counter() - started
    worker.stop()
    broker.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    asyncio.run(_admin(f'CREATE DATABASE "{DB_NAME}"'))
    os.environ.update({"DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME,
                       "LEGAMI_ENV": "test", "SECRET_KEY": "b" * 40})
    try:
        base = baseline(args.jobs, args.broker)
        piped = asyncio.run(pipeline(args.jobs, args.broker))
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
    print(f"jobs: {args.jobs} on {args.broker.split('://')[0]}, PostgreSQL")
    print(f"baseline (plain dramatiq, no database): {args.jobs / base:9.0f} jobs/s ({base:.2f} s)")
    print(f"outbox pipeline (commit, relay, run, mark done): {args.jobs / piped:9.0f} jobs/s "
          f"({piped:.2f} s)")
    print(f"ratio pipeline/baseline throughput: {base / piped:.3f}")
    print(f"peak memory: {_peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
