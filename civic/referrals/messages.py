"""What families read, in the family's language, as data.

Each language is a JSON file in `civic/referrals/family_messages/` (its name, its writing
direction, and the messages): the program adds a language by adding a file, no code.
Italian is complete and is the fallback: a language without a file, or a message
missing from one, is written in Italian, and then the English `fallback` line tells
the family, in a language many read, what the letter is and how to answer.
Arabic is written right to left (`direction` "rtl").

The family's page (`/f/<token>`) speaks Italian and English through the catalogs; a
file may also hold a `page` table (the page's English texts, as they are written in
its templates, and the family's words for them). When it has every text of the page
(`page_msgids`), the page is written in that language (`page_texts`); otherwise the
same fallback as for the messages: Italian, the family's lines above it when the file
has them all, else the English `fallback` line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.settings import LANGUAGES

FOLDER = Path(__file__).parent / "family_messages"
ROOT = Path(__file__).resolve().parents[2]
PAGE_TEMPLATES = (ROOT / "civic/templates/referrals/family.html",
                  ROOT / "civic/templates/referrals/_errors.html",
                  ROOT / "app/templates/_link_layout.html")
MSGID = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
FALLBACK = "it"
CODE = re.compile(r"^[a-z]{2,3}(-[a-z]{2})?$")


@dataclass(frozen=True)
class FamilyTexts:
    """The family's messages; `complete`: all of them in the family's own language."""

    language: str
    direction: str
    messages: dict[str, str]
    complete: bool

    def say(self, key: str, **values: Any) -> str:
        return self.messages[key] % values if values else self.messages[key]


@lru_cache(maxsize=32)
def _load(language: str) -> dict[str, Any] | None:
    if not CODE.match(language):
        return None
    path = FOLDER / f"{language}.json"
    return json.loads(path.read_text("utf-8")) if path.is_file() else None


def available() -> dict[str, str]:
    """The languages with a file: code -> own name."""
    return {path.stem: json.loads(path.read_text("utf-8"))["name"]
            for path in sorted(FOLDER.glob("*.json"))}


def family_texts(language: str | None) -> FamilyTexts:
    """The messages in `language`, each missing one in Italian."""
    base = _load(FALLBACK)
    assert base is not None
    own = _load((language or FALLBACK).lower()) or {}
    messages = {**base["messages"], **own.get("messages", {})}
    complete = bool(own) and set(base["messages"]) <= set(own.get("messages", {}))
    if complete:
        return FamilyTexts(language or FALLBACK, own.get("direction", "ltr"), messages, True)
    english = _load("en")
    assert english is not None
    messages = {**base["messages"], "fallback": english["messages"]["fallback"]}
    return FamilyTexts(FALLBACK, "ltr", messages, False)


@dataclass(frozen=True)
class PageTexts:
    """The family's page in a language Legami's catalogs do not speak."""

    language: str
    direction: str
    name: str
    texts: dict[str, str]

    def gettext(self, message: str, **values: Any) -> str:
        """A page text in the family's language (the English one if it lacks it)."""
        text = self.texts.get(message, message)
        return text % values if values else text


@lru_cache(maxsize=1)
def page_msgids() -> frozenset[str]:
    """Every text the family's page writes with `_()` in its templates."""
    found = set()
    for path in PAGE_TEMPLATES:
        for match in MSGID.finditer(path.read_text("utf-8")):
            found.add(match.group(1) if match.group(1) is not None else match.group(2))
    return frozenset(found)


def page_texts(language: str | None) -> PageTexts | None:
    """The page in `language` when its file has every text of the page; else None."""
    own = _load((language or "").lower())
    if not own or not page_msgids() <= set(own.get("page", {})):
        return None
    return PageTexts(str(language).lower(), own.get("direction", "ltr"), own["name"],
                     own["page"])


def page_for(requested: str | None, family_language: str | None) -> PageTexts | None:
    """The page's own language: the one asked for (`?lang=`) when it has a page, none
    when it is one of the catalogs' (it, en), else the family's when it has one."""
    if requested in LANGUAGES:
        return None
    return page_texts(requested) or page_texts(family_language)


def page_fallback() -> str:
    """The English line of a page written in Italian for a family who reads neither."""
    english = _load("en")
    assert english is not None
    return str(english["messages"]["page_fallback"])
