"""A 1,000-person wave to a real SMTP server: clean, and with the worker killed halfway.

Runs the real processes (tests/worker/fault_stack.py): a PostgreSQL database, a Redis
and an aiosmtpd server of its own, `legami worker` as a subprocess. Clean: from the
worker's start to the last mail. Killed: the same, with the worker killed (SIGKILL) once
half the people have their mail and a new worker started at once; the new one takes the
job over when the lease (JOB_LEASE_SECONDS, default 45 s) runs out. Prints both times,
the ratio and the people who got nothing or got two mails. Asserts nothing.

    .venv/bin/python bench/wave_kill.py [--people 1000] [--lease 45]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.worker.fault_stack import Stack, admin  # noqa: E402

WAIT_LIMIT_SECONDS = 600


def _wait(stack: Stack, count: int) -> float:
    deadline = time.perf_counter() + WAIT_LIMIT_SECONDS
    while len(stack.inbox.received) < count:
        if time.perf_counter() > deadline:
            raise SystemExit(f"only {len(stack.inbox.received)} of {count} after "
                             f"{WAIT_LIMIT_SECONDS}s\n{stack.logs()[-3000:]}")
        time.sleep(0.01)
    return time.perf_counter()


async def deliver(people: int, lease: int, kill: bool) -> tuple[float, int, int]:
    """Seconds to reach everyone, people reached twice, people not reached."""
    database = f"legami_bench_{os.getpid()}_{secrets.token_hex(3)}"
    await admin(f'CREATE DATABASE "{database}"')
    stack = Stack(Path(tempfile.mkdtemp(prefix="legami-bench-")), database, lease_seconds=lease)
    stack.start_redis()
    stack.start_smtp()
    try:
        stack.seed(people)
        started = time.perf_counter()
        worker = stack.start_worker()
        if kill:
            await asyncio.to_thread(_wait, stack, people // 2)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            stack.start_worker()
        finished = await asyncio.to_thread(_wait, stack, people)
        await asyncio.sleep(2)  # a late duplicate would arrive now
        twice = sum(1 for count in stack.inbox.received.values() if count > 1)
        return finished - started, twice, people - len(stack.inbox.received)
    finally:
        stack.stop_all()
        await admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--lease", type=int, default=45, help="JOB_LEASE_SECONDS")
    args = parser.parse_args()
    clean, clean_twice, clean_missed = await deliver(args.people, args.lease, kill=False)
    killed, killed_twice, killed_missed = await deliver(args.people, args.lease, kill=True)
    print(f"wave of {args.people} people, JOB_LEASE_SECONDS={args.lease}")
    print(f"  clean:                 {clean:7.1f} s   twice {clean_twice}, "
          f"nothing {clean_missed}")
    print(f"  worker killed halfway: {killed:7.1f} s   twice {killed_twice}, "
          f"nothing {killed_missed}")
    print(f"  ratio killed/clean:    {killed / clean:7.2f}")


if __name__ == "__main__":
    asyncio.run(main())
