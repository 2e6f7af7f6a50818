"""The family's page in the family's language (issue 17), with the messages' fallback:
a language whose file translates every text of the page gets the page in it (Arabic,
right to left); one whose file has only the messages gets the Italian page with its
lines above; one without a file gets the Italian page with the English line. Checked in
Chromium in Arabic at 360 px without JavaScript, its error state included."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from civic.referrals import messages
from civic.referrals import service as referrals
from civic.referrals.messages import page_msgids, page_texts
from civic.referrals.schemas import ReferralCreate
from civic.tables import Consent
from tests.browser import LiveServer, browser, live_server  # noqa: F401
from tests.civic.referrals.test_family_browser import phone_checks
from tests.civic.referrals.world import as_caller, make_activity, make_family, make_world
from tests.factories import csrf_token
from tests.page_checks import PHONE, axe_source, open_disclosures, visit


async def proposal(world: Any, language: str, ref: str, email: str | None = None) -> str:
    info = await make_activity(world, title=f"Doposcuola {ref}")
    _family, (pupil,) = await make_family(world, ref=ref, email=email, language=language,
                                          pupils=(("Amir", 8),))
    referral = await referrals.propose(await as_caller(world.coord_a), world.school_a,
                                       ReferralCreate(pupil, info.id))
    return await referrals.issue_code(referral.id) or ""


def test_the_arabic_file_translates_every_text_of_the_page() -> None:
    page = page_texts("ar")
    assert page is not None and page.direction == "rtl"
    assert page_msgids() <= set(page.texts)
    assert all(page.texts[msgid] for msgid in page_msgids())
    for language in ("fr", "es", "ro"):
        translated = page_texts(language)
        assert translated is not None, language
        for english, own in translated.texts.items():  # every placeholder kept
            assert set(re.findall(r"%\((\w+)\)s", english)) == set(
                re.findall(r"%\((\w+)\)s", own)), (language, english)


@pytest.fixture
def albanian_messages_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                           ) -> Iterator[None]:
    """The program's files, and an Albanian one with the messages but not the page."""
    for path in messages.FOLDER.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    albanian = json.loads((messages.FOLDER / "it.json").read_text("utf-8"))
    albanian.update(name="Shqip", messages={
        key: f"[sq] {text}" for key, text in albanian["messages"].items()})
    (tmp_path / "sq.json").write_text(json.dumps(albanian), "utf-8")
    monkeypatch.setattr(messages, "FOLDER", tmp_path)
    messages._load.cache_clear()
    yield
    messages._load.cache_clear()


async def test_each_family_reads_the_page_in_its_language_or_the_fallback(
        client, albanian_messages_only) -> None:
    """Before: every family's page was Italian (or English), only a few lines in Arabic."""
    world = await make_world()
    arabic = await proposal(world, "ar", "F-AR")
    page = (await client.get(f"/f/{arabic}")).text
    assert '<html lang="ar" dir="rtl">' in page
    assert "نشاط من أجل Amir" in page and "أعطوا موافقتكم" in page
    assert 'hreflang="it"' in page and 'hreflang="ar"' in page
    italian = (await client.get(f"/f/{arabic}?lang=it")).text
    assert '<html lang="it">' in italian and 'section class="card own-language" lang="ar"' in (
        italian)

    romanian = (await client.get(f"/f/{await proposal(world, 'ro', 'F-RO')}")).text
    assert '<html lang="ro" dir="ltr">' in romanian and "O activitate pentru Amir" in romanian

    albanian = (await client.get(f"/f/{await proposal(world, 'sq', 'F-SQ')}")).text
    assert '<html lang="it">' in albanian and 'lang="sq" dir="ltr"' in albanian
    assert "[sq] la scuola" in albanian and "This page is in Italian" not in albanian

    ukrainian = (await client.get(f"/f/{await proposal(world, 'uk', 'F-UK')}")).text
    assert '<html lang="it">' in ukrainian
    assert '<p class="hint" lang="en">This page is in Italian because' in ukrainian


async def test_an_arabic_error_is_in_arabic_and_the_consent_keeps_the_text_read(
        client) -> None:
    world = await make_world()
    code = await proposal(world, "ar", "F-AR")
    token = await csrf_token(client, "/")
    refused = await client.post(f"/f/{code}/consent?lang=ar", data={
        "_csrf_token": token, "notice_version": "2026-1", "given_by": ""})
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    assert "اكتبوا اسمكم: إنه توقيعكم." in text and "يرجى تصحيح ما يلي" in text
    assert 'lang="en" dir="ltr">Notice</div>' in refused.text  # the notice read: English
    pupil = (await referrals.family_view(code)).children[0].pupil_id
    given = await client.post(f"/f/{code}/consent?lang=ar", data={
        "_csrf_token": token, "notice_version": "2026-1", "given_by": "Fatima",
        "pupils": str(pupil)}, follow_redirects=False)
    assert given.status_code == 303
    latest = await Consent.select().where(Consent.pupil == pupil).order_by(
        Consent.id, ascending=False).first()
    assert (latest["source"], latest["notice_language"]) == ("link", "en")


async def test_the_arabic_page_and_its_error_on_a_phone_without_javascript(
    live_server: LiveServer, browser: Any,  # noqa: F811
) -> None:
    axe = axe_source()
    world = await make_world()
    code = await proposal(world, "ar", "F-AR")
    checked = await browser.new_context(locale="ar", viewport=PHONE, has_touch=True,
                                        is_mobile=True)
    try:
        page = await checked.new_page()
        await visit(page, live_server, f"/f/{code}")
        await open_disclosures(page)
        await phone_checks(page, axe, "the Arabic family page")
        async with page.expect_navigation():
            await page.locator("form[action*='/consent'] button").click()
        assert await page.get_attribute("html", "dir") == "rtl"
        await open_disclosures(page)
        await phone_checks(page, axe, "the Arabic family page's error state")
    finally:
        await checked.close()

    context = await browser.new_context(locale="ar", viewport=PHONE, has_touch=True,
                                        is_mobile=True, java_script_enabled=False)
    try:
        page = await context.new_page()
        await visit(page, live_server, f"/f/{code}")
        await page.locator("main #consent summary").click()
        async with page.expect_navigation() as sent:
            await page.get_by_role("button", name="أعطي موافقتي").click()
        assert (await sent.value).status == 422
        assert "اكتبوا اسمكم" in await page.locator("#given_by-error").inner_text()
        assert "يرجى تصحيح ما يلي" in await page.locator("main .error-summary").inner_text()
        box = await page.locator("main h1").bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    finally:
        await context.close()
