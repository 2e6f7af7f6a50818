"""The services and processes of a fault case or a benchmark: a PostgreSQL database,
a Redis and an aiosmtpd server of their own, and `legami serve` / `legami worker` as
subprocesses (tests/worker/test_faults.py, bench/wave_kill.py)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]
LEGAMI = str(Path(sys.executable).with_name("legami"))
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
LEASE_SECONDS = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that counts the mails each address received."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        for address in envelope.rcpt_tos:
            self.received[address] += 1
        return "250 OK"


@dataclass
class Stack:
    """The services and processes of one case."""

    tmp: Path
    database: str
    redis_port: int = field(default_factory=free_port)
    smtp_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    inbox: Inbox = field(default_factory=Inbox)
    smtp: Controller | None = None
    redis: subprocess.Popen[bytes] | None = None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    lease_seconds: int = LEASE_SECONDS

    @property
    def database_url(self) -> str:
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.database

    def env(self) -> dict[str, str]:
        return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "VAR_DIR": str(self.tmp),
                "LEGAMI_ENV": "development", "DATABASE_URL": self.database_url,
                "BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "SMTP_URL": f"smtp://127.0.0.1:{self.smtp_port}",
                "BASE_URL": "https://legami.example", "SECRET_KEY": "f" * 40,
                "JOB_LEASE_SECONDS": str(self.lease_seconds), **self.extra}

    def start_smtp(self) -> None:
        self.smtp = Controller(self.inbox, hostname="127.0.0.1", port=self.smtp_port)
        self.smtp.start()

    def stop_smtp(self) -> None:
        if self.smtp is not None:
            self.smtp.stop()
            self.smtp = None

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(self.redis_port), "--save", "", "--appendonly", "no",
             "--bind", "127.0.0.1"], stdout=subprocess.DEVNULL)
        wait_for_port(self.redis_port)

    def stop_redis(self) -> None:
        if self.redis is not None:
            self.redis.kill()
            self.redis.wait(timeout=10)
            self.redis = None

    def run(self, *args: str) -> str:
        result = subprocess.run([LEGAMI, *args], env=self.env(), capture_output=True,  # noqa: S603
                                text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def seed(self, people: int) -> None:
        self.run("migrate")
        subprocess.run([sys.executable, "-m", "tests.worker.fault_seed", str(people)],  # noqa: S603
                       env=self.env(), cwd=ROOT, check=True, timeout=600)

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{args[0]}-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen([LEGAMI, *args], env=self.env(), stdout=log,  # noqa: S603
                                   stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def start_web(self) -> None:
        self.start("serve", "--port", str(self.web_port))
        wait_for_port(self.web_port)

    def start_worker(self) -> subprocess.Popen[bytes]:
        return self.start("worker", "--threads", "2")

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
        self.stop_redis()
        self.stop_smtp()

    def logs(self) -> str:
        return "\n".join(path.read_text(errors="replace")
                         for path in sorted(self.tmp.glob("*.log")))

    async def query(self, sql: str, *args: Any) -> list[Any]:
        connection = await asyncpg.connect(self.database_url)
        try:
            return await connection.fetch(sql, *args)
        finally:
            await connection.close()


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {timeout}s")


async def admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


