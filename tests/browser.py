"""Real-browser fixtures: the whole app served by uvicorn, and a headless Chromium.

Import the fixtures into a test module (`from tests.browser import browser, live_server`).
Both are module-scoped: the server runs the embedded job worker (`run_jobs=True`), whose
relay would otherwise pick up the jobs that other test modules run by hand.

The server runs in its own thread with its own event loop; the tests keep the session loop
of pytest-asyncio and talk to the same database (a connection per query on both engines,
so nothing is shared between the two loops).

Secure cookies: the test settings are not `development`, so the session and CSRF cookies
are `Secure`, and the server speaks plain http. Chromium treats http://127.0.0.1 as a
potentially trustworthy origin and keeps Secure cookies set by it (checked by
`test_secure_cookies_are_kept_over_http_on_loopback`), so the app is served exactly as
configured for the tests, with no settings swapped in.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("LEGAMI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
CONFIGURED_BASE = "https://testserver.local"
START_TIMEOUT = 15.0


class LiveServer:
    """`create_app(run_jobs=True)` under uvicorn on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        import uvicorn

        from legami.application import create_app

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))  # the port is ours until the server closes it
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(run_jobs=True), lifespan="on", log_level="warning",
                                access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, args=([self._socket],),
                                        name="legami-live-server", daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if not self._thread.is_alive():
                raise RuntimeError("the live server stopped while starting (see the log)")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the live server did not answer /healthz in {START_TIMEOUT} s")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=START_TIMEOUT)
        self._socket.close()

    def local(self, link: str) -> str:
        """A link built on BASE_URL (as in the mails), pointed at this server."""
        return re.sub(rf"^{re.escape(CONFIGURED_BASE)}", self.url, link)


def chromium_or_skip() -> str:
    """The Chromium executable; without one, skip locally but fail on CI (CI=true)."""
    if Path(CHROMIUM).is_file() or shutil.which(CHROMIUM):
        return CHROMIUM
    reason = f"Chromium not found at {CHROMIUM} (install Debian's chromium, or set LEGAMI_CHROMIUM)"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"browser tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def live_server(migrated_db: None) -> Iterator[LiveServer]:
    server = LiveServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    executable = chromium_or_skip()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=executable,
                                                    args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            await chromium.close()


async def wait_for_mail(page: Any, server: LiveServer, to: str, timeout: float = 10.0) -> Any:
    """Poll the development mailbox (GET /dev/mail.json) until a mail to `to` arrives."""
    deadline = time.monotonic() + timeout
    while True:
        answer = await page.request.get(f"{server.url}/dev/mail.json")
        assert answer.ok, f"/dev/mail.json answered {answer.status}"
        for mail in await answer.json():
            if mail["to"] == to:
                return mail
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail to {to} within {timeout} s")
        await asyncio.sleep(0.1)
