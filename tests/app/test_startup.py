"""Start-up against a database, broker or mail server that does not answer: one line
naming the setting and what to check, never a traceback; the worker waits quietly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL

LEGAMI = str(Path(sys.executable).with_name("legami"))
RABBITMQ_HOST = "127.0.0.1:5672"
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(tmp_path: Path, **settings: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path), "LEGAMI_ENV": "development",
            **settings}


def _one_line(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run([LEGAMI, *command], capture_output=True, text=True, timeout=60,
                            env=env, check=False)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    return line


def _pg_server_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


@pytest.mark.parametrize("command", [["migrate"], ["serve", "--port", "0"]])
def test_an_unreachable_database_stops_migrate_and_serve_with_one_line(
    tmp_path: Path, command: list[str],
) -> None:
    port = _free_port()
    line = _one_line(command, _env(tmp_path,
                                   DATABASE_URL=f"postgres://legami:secret@127.0.0.1:{port}/x"))
    assert line == (f"legami: DATABASE_URL: cannot reach the database at 127.0.0.1:{port}; "
                    "check that PostgreSQL is running and that the host and port are right")
    assert "secret" not in line


def test_a_missing_database_says_how_to_create_it(tmp_path: Path) -> None:
    line = _one_line(["migrate"], _env(tmp_path,
                                       DATABASE_URL=_pg_server_url("legami_nowhere_4711")))
    assert "DATABASE_URL: the database 'legami_nowhere_4711' does not exist" in line
    assert "createdb legami_nowhere_4711" in line


def test_a_malformed_broker_url_is_named(tmp_path: Path) -> None:
    line = _one_line(["worker"], _env(tmp_path, BROKER_URL="redis://:::/x"))
    assert line.startswith("legami: configuration error: BROKER_URL: 'redis://:::/x' is not a "
                           "valid address")


def _worker_says(tmp_path: Path, broker_url: str, expected: str, **extra: str) -> str:
    """Start `legami worker`, wait for `expected` in its log, stop it; return the log."""
    db = f"sqlite://{tmp_path}/legami.sqlite3"
    # Started as `make` starts a job in the background, with SIGINT ignored: the worker
    # must stop on it all the same (before, each of these tests waited 2 minutes).
    process = subprocess.Popen([LEGAMI, "worker", "--threads", "1"],  # noqa: S603
                               env=_env(tmp_path, DATABASE_URL=db, BROKER_URL=broker_url,
                                        **extra),
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120  # a busy machine starts slowly; the line decides
        assert process.stderr is not None
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            lines.append(line)
            if expected in line:
                break
        time.sleep(6)  # a second try of the wait loop, which must stay quiet
    finally:
        process.send_signal(signal.SIGINT)
        try:  # stopping waits for its threads; on a busy machine that takes a while
            rest = process.communicate(timeout=120)[1]
        except subprocess.TimeoutExpired:
            process.kill()
            rest = process.communicate()[1]
    log = "".join(lines) + rest
    assert process.returncode == 0 and "worker: stopped" in log, log  # SIGINT stopped it
    return log


def _reachable(host: str) -> None:
    name, port = host.split(":")
    try:
        socket.create_connection((name, int(port)), timeout=1).close()
    except OSError:
        if IN_CI:
            pytest.fail(f"{host} unreachable")
        pytest.skip(f"{host} unreachable; with CI=true this fails")


def test_the_worker_waits_quietly_for_an_unreachable_broker(tmp_path: Path) -> None:
    port = _free_port()
    log = _worker_says(tmp_path, f"redis://127.0.0.1:{port}/0", "waiting")
    assert log.count("waiting: BROKER_URL: cannot reach the broker at "
                     f"127.0.0.1:{port}") == 1, log
    assert "Traceback" not in log


def test_the_worker_names_wrong_rabbitmq_credentials_once(tmp_path: Path) -> None:
    _reachable(RABBITMQ_HOST)
    log = _worker_says(tmp_path, f"amqp://nobody:wrong@{RABBITMQ_HOST}/%2F", "waiting")
    assert log.count("BROKER_URL: the broker at 127.0.0.1:5672 refused the user 'nobody'") == 1
    assert "Traceback" not in log and "wrong" not in log


def test_an_unreachable_mail_server_is_said_once(tmp_path: Path) -> None:
    port = _free_port()
    log = _worker_says(tmp_path, f"redis://127.0.0.1:{_free_port()}/0", "waiting",
                       SMTP_URL=f"smtp://127.0.0.1:{port}")
    assert log.count(f"SMTP_URL: cannot reach the mail server at 127.0.0.1:{port}") == 1
    assert "Traceback" not in log
