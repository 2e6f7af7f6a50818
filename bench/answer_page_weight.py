"""Weight of the answer pages on a first visit: bytes transferred, requests, scripts.

Legami runs under uvicorn on a throw-away SQLite database, with the program's ready
needs-assessment survey (surveys/bank) open in a wave. A fresh Chromium (Debian's, no
cache, 360×740) opens the privacy notice, every section and the access-code page; the
figures come from the browser's own performance entries (transferSize: headers and
body as they crossed the wire). Without Chromium, the page and the resources it links
are fetched with httpx instead.

    .venv/bin/python bench/answer_page_weight.py

Goal (issue 14): a first visit (HTML and CSS) under 10 KB over the wire, gzipped, and no
script (issue 4). The baseline, measured in the same run, is the same visit asking for no
compression (Accept-Encoding: identity).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from app.crypto import token_hash

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = os.environ.get("LEGAMI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
GOAL_BYTES = 10 * 1024
ENTRIES = """() => {
  const all = [...performance.getEntriesByType('navigation'),
               ...performance.getEntriesByType('resource')];
  return {requests: all.length, bytes: all.reduce((sum, e) => sum + e.transferSize, 0),
          scripts: document.scripts.length
                   + all.filter(e => e.initiatorType === 'script').length,
          names: all.map(e => e.name.replace(location.origin, '') + ' ' + e.transferSize)};
}"""


async def prepare() -> tuple[str, int]:
    """Migrate, open a wave over the bank's survey, invite one person; (link, sections)."""
    from app.clock import now
    from app.migrate import migrate
    from app.tables import Organization
    from surveys.bank import ready_survey
    from surveys.definition import encode
    from surveys.distribution.tokens import new_link_token
    from surveys.tables import Invitation, Survey, SurveyVersion, Wave

    await migrate()
    definition = encode(ready_survey())
    company = Organization(kind="company", name="Officine Peso")
    await company.save()
    survey = Survey(owner=company.id, title="Bisogni")
    await survey.save()
    version = SurveyVersion(survey=survey.id, definition=definition, frozen_at=now())
    await version.save()
    wave = Wave(version=version.id, owner=company.id, title="Peso", status="open",
                opens_on=date.today() - timedelta(days=1),
                closes_on=date.today() + timedelta(days=30))
    await wave.save()
    token = new_link_token()
    await Invitation(wave=wave.id, company=company.id, channel="mail",
                     token_hash=token_hash(token)).save()
    return f"/r/{token}", len(definition["sections"])


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "legami.application:create_app", "--factory", "--port",
         str(port), "--log-level", "warning", "--no-access-log"], cwd=ROOT,
        env={**os.environ, **env})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("Legami did not start")


def _pages(link: str, sections: int) -> list[tuple[str, str]]:
    pages = [("privacy notice", link)]
    pages += [(f"section {n} of {sections}", f"{link}/{n}") for n in range(1, sections + 1)]
    return [*pages, ("access-code page", "/codice")]


async def with_chromium(url: str, link: str, sections: int, identity: bool = False
                        ) -> list[tuple[str, dict[str, Any]]]:
    """Each page in a new browser context: a first visit, nothing cached; `identity` asks
    for uncompressed answers (the baseline)."""
    from playwright.async_api import async_playwright

    pages = _pages(link, sections)
    figures = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, path in pages:
            context = await browser.new_context(
                locale="it-IT", viewport={"width": 360, "height": 740},
                extra_http_headers={"Accept-Encoding": "identity"} if identity else None)
            page = await context.new_page()
            await page.goto(f"{url}{path}", wait_until="load")
            figures.append((name, await page.evaluate(ENTRIES)))
            await context.close()
        await browser.close()
    return figures


async def with_httpx(url: str, link: str, sections: int) -> list[tuple[str, dict[str, Any]]]:
    """No Chromium: the page and what it links (stylesheets, scripts, images), uncompressed."""
    import httpx

    figures = []
    paths = _pages(link, sections)
    async with httpx.AsyncClient(base_url=url) as client:
        for name, path in paths:
            page = await client.get(path)
            linked = re.findall(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="([^"]+)"',
                                page.text)
            sizes = [len(page.content) + _header_bytes(page)]
            for resource in linked:
                answer = await client.get(resource)
                sizes.append(len(answer.content) + _header_bytes(answer))
            figures.append((name, {"requests": len(sizes), "bytes": sum(sizes),
                                   "scripts": page.text.count("<script"), "names": linked}))
    return figures


def _header_bytes(answer: Any) -> int:
    return sum(len(k) + len(v) + 4 for k, v in answer.headers.raw) + 17


def report(figures: list[tuple[str, dict[str, Any]]], source: str,
           baseline: list[tuple[str, dict[str, Any]]] | None = None) -> None:
    print(f"first visit to the answer pages (bank survey, {source})")
    print(f"{'page':<22} {'requests':>8} {'bytes':>8} {'KB':>6} {'scripts':>7}")
    for name, figure in figures:
        print(f"{name:<22} {figure['requests']:>8} {figure['bytes']:>8} "
              f"{figure['bytes'] / 1024:>6.1f} {figure['scripts']:>7}")
    heaviest = max(figure["bytes"] for _, figure in figures)
    scripts = sum(figure["scripts"] for _, figure in figures)
    verdict = "goal met" if heaviest < GOAL_BYTES and not scripts else "goal missed"
    print(f"heaviest: {heaviest / 1024:.1f} KB, scripts: {scripts} "
          f"({verdict}: under {GOAL_BYTES // 1024} KB, no script)")
    if baseline:
        before = max(figure["bytes"] for _, figure in baseline)
        print(f"baseline, uncompressed: heaviest {before / 1024:.1f} KB; "
              f"ratio {heaviest / before:.2f}")


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="legami-weight-")
    env = {"DATABASE_URL": f"sqlite://{workdir}/legami.sqlite3", "LEGAMI_ENV": "development",
           "SECRET_KEY": "w" * 40, "BROKER_URL": "embedded", "SMTP_URL": "dev",
           "VAR_DIR": workdir}
    os.environ.update(env)
    process = None
    try:
        link, sections = asyncio.run(prepare())
        process, url = serve(env)
        if Path(CHROMIUM).is_file() or shutil.which(CHROMIUM):
            report(asyncio.run(with_chromium(url, link, sections)), "Chromium, transferSize",
                   asyncio.run(with_chromium(url, link, sections, identity=True)))
        else:
            report(asyncio.run(with_httpx(url, link, sections)), "httpx, no Chromium")
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=15)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
