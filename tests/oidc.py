"""Real OpenID Connect providers for the tests, and a person's browser at them.

`OIDCProvider` runs tests/oidc_provider/server.js (the npm package oidc-provider, pinned
in its package.json) under node, on a free port of 127.0.0.1. `ProviderBrowser` drives
the provider's own login, consent, cancel and logout pages over HTTP, submitting their
forms as a browser would, and stops at Legami's callback.

With CI=true a provider that cannot start fails the tests; otherwise they are skipped,
saying why (`npm ci --prefix tests/oidc_provider` installs it; .ci/test-deps does that).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
LEGAMI = "https://testserver.local"
REDIRECT_URI = f"{LEGAMI}/auth/oidc/callback"
POST_LOGOUT_URI = f"{LEGAMI}/auth/oidc/signed-out"
START_TIMEOUT = 180.0  # node on a busy machine (both pytest runs starting at once) is slow;
# a provider that answers sooner is used at once, so this only bounds a real failure


def unavailable(reason: str) -> None:
    """Fail under CI (a provider that cannot start is a broken build), else skip."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"OIDC test provider unavailable: {reason}", pytrace=False)
    pytest.skip(f"OIDC test provider unavailable: {reason}")


def client(client_id: str, secret: str, **metadata: Any) -> dict[str, Any]:
    """A client registration for Legami at a provider."""
    return {"client_id": client_id, "client_secret": secret, "redirect_uris": [REDIRECT_URI],
            "post_logout_redirect_uris": [POST_LOGOUT_URI], **metadata}


class OIDCProvider:
    """One oidc-provider process; `issuer` is known once `start` returns."""

    def __init__(self, clients: list[dict[str, Any]], auth_methods: list[str] | None = None,
                 userinfo_only: bool = False):
        self.options = {"clients": clients, "authMethods": auth_methods,
                        "userinfoOnly": userinfo_only}
        self.issuer = ""
        self._process: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.gettempdir()) / f"oidc-provider-{os.getpid()}-{id(self)}.log"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> None:
        node = shutil.which("node")
        if node is None:
            unavailable("node is not installed")
        if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
            unavailable("run `npm ci --prefix tests/oidc_provider`")
        for attempt in (1, 2):  # a node that exits at once on a busy machine gets a second go
            with self.log.open("ab") as log:  # the child keeps its own copy of the descriptor
                self._process = subprocess.Popen(  # noqa: S603
                    [str(node), "server.js", json.dumps(self.options)], cwd=PROVIDER_DIR,
                    stdout=subprocess.PIPE, stderr=log)
            line = self._first_line()
            if line:
                break
            exited = self._process.poll()
            self.stop()
            if exited is None:
                unavailable(f"it did not start in {START_TIMEOUT} s; see {self.log}")
            if attempt == 2:
                unavailable(f"it exited with status {exited} twice; see {self.log}")
        self.issuer = json.loads(line)["issuer"]

    def _first_line(self) -> bytes:
        assert self._process is not None and self._process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self._process.poll() is None:
            ready, _, _ = select.select([self._process.stdout], [], [], 0.1)
            if ready:
                return self._process.stdout.readline()
        return b""

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self.issuer:  # started: the log is only kept to explain a failed start
            self.log.unlink(missing_ok=True)

    async def control(self, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call one of server.js's test-only controls, like "rotate-keys" or "tamper"."""
        async with httpx.AsyncClient(timeout=10) as http:
            if action == "stats":
                response = await http.get(f"{self.issuer}/_test/stats")
            else:
                response = await http.post(f"{self.issuer}/_test/{action}", json=body or {})
        response.raise_for_status()
        return response.json()


def running(clients: list[dict[str, Any]], auth_methods: list[str] | None = None,
            userinfo_only: bool = False) -> Iterator[OIDCProvider]:
    """A provider for the length of a fixture."""
    provider = OIDCProvider(clients, auth_methods, userinfo_only)
    try:
        provider.start()
        yield provider
    finally:
        provider.stop()


class _Page(HTMLParser):
    """The forms (action, fields) and links of a provider page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.links: dict[str, str] = {}
        self._link: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append({"action": values.get("action", ""), "fields": {}})
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1]["fields"][values["name"]] = values.get("value", "")
        elif tag == "a":
            self._link = values.get("href")

    def handle_data(self, data: str) -> None:
        if self._link is not None and data.strip():
            self.links[data.strip()] = self._link
            self._link = None


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


class ProviderBrowser:
    """A person at the provider: their cookies there, and its real pages."""

    def __init__(self) -> None:
        self.http = httpx.AsyncClient(follow_redirects=False, timeout=10)

    async def close(self) -> None:
        await self.http.aclose()

    async def sign_in(self, authorization_url: str, login: str) -> str:
        """Log in as `login` (and consent); the URL the provider sends the browser back to."""
        response = await self.http.get(authorization_url)
        for _ in range(12):
            if response.is_redirect:
                target = urljoin(str(response.url), response.headers["location"])
                if target.startswith(LEGAMI):
                    return target
                response = await self.http.get(target)
                continue
            form = _parse(response.text).forms[0]
            fields = dict(form["fields"])
            if fields.get("prompt") == "login":
                fields |= {"login": login, "password": "any"}
            response = await self.http.post(urljoin(str(response.url), form["action"]),
                                             data=fields)
        raise AssertionError(f"never sent back to Legami; last page: {response.text[:500]}")

    async def cancel(self, authorization_url: str) -> str:
        """Press "Cancel" on the login page; the URL the provider sends the browser back to."""
        response = await self.http.get(authorization_url)
        while response.is_redirect:
            response = await self.http.get(urljoin(str(response.url),
                                                   response.headers["location"]))
        cancel = urljoin(str(response.url), _parse(response.text).links["[ Cancel ]"])
        response = await self.http.get(cancel)
        while response.is_redirect:
            target = urljoin(str(response.url), response.headers["location"])
            if target.startswith(LEGAMI):
                return target
            response = await self.http.get(target)
        raise AssertionError(f"cancel did not return to Legami: {response.text[:500]}")

    async def sign_out(self, end_session_url: str) -> str:
        """Confirm sign-out at the provider; the URL it sends the browser back to."""
        page = await self.http.get(end_session_url)
        form = _parse(page.text).forms[0]
        response = await self.http.post(urljoin(str(page.url), form["action"]),
                                        data={**form["fields"], "logout": "yes"})
        while response.is_redirect:
            target = urljoin(str(response.url), response.headers["location"])
            if target.startswith(LEGAMI):
                return target
            response = await self.http.get(target)
        raise AssertionError(f"sign-out did not return to Legami: {response.text[:500]}")
