"""Italian first, English complete; the language follows the person."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.i18n import LOCALE_DIR, negotiate
from tests.factories import make_org, make_user, post_form, sign_in

SOURCES = ["app", "surveys", "company_portal", "community", "civic", "pacts", "integrations",
           "worker"]


def _catalog(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


@pytest.mark.parametrize("language", ["it", "en"])
def test_every_string_in_the_code_is_translated(tmp_path: Path, language: str) -> None:
    pot = tmp_path / "messages.pot"
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F", "babel.cfg",
         "-k", "_", "-k", "ngettext:1,2", "-k", "pgettext:1c,2", "-o", str(pot), *SOURCES],
        cwd=root, check=True,
    )
    with pot.open("rb") as source:
        wanted = {(message.id, message.context) for message in read_po(source) if message.id}
    catalog = _catalog(language)
    found = {key: catalog.get(*key) for key in wanted}  # (msgid, pgettext's context)
    missing = sorted(
        str(key) for key, message in found.items()
        if not (message and all(message.string if isinstance(message.string, tuple)
                                else [message.string]))
    )
    assert missing == [], f"untranslated in {language}: {missing[:10]}"
    assert not [m.id for m in catalog if m.fuzzy and m.id]


def test_language_order_is_choice_then_query_then_accept_language() -> None:
    assert negotiate("en", "it", "it", "it", "it") == "en"
    assert negotiate(None, "en", "it", "it", "it") == "en"
    assert negotiate(None, None, "en", "it", "it") == "en"
    assert negotiate(None, None, None, "de-DE,en;q=0.8,it;q=0.5", "it") == "en"
    assert negotiate(None, "fr", None, "de", "it") == "it"


async def test_pages_speak_italian_by_default_and_english_on_request(client) -> None:
    italian = await client.get("/")
    assert '<html lang="it">' in italian.text and "Benvenuti in Legami" in italian.text
    english = await client.get("/?lang=en")
    assert '<html lang="en">' in english.text and "Welcome to Legami" in english.text
    browser = await client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})
    assert "Welcome to Legami" in browser.text


async def test_a_signed_in_persons_choice_wins_and_is_kept(client) -> None:
    org = await make_org()
    user = await make_user("hr@rossi.example", org, "hr_manager")
    await sign_in(client, user)
    response = await post_form(client, "/language", {"language": "en", "next": "/"}, page="/")
    assert response.status_code == 303
    page = await client.get("/", headers={"accept-language": "it"})
    assert "Your organizations" in page.text
    assert "Your organizations" in (await client.get("/?lang=it")).text
