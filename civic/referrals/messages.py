"""What families read, in the family's language, as data.

Each language is a JSON file in `civic/referrals/family_messages/` (its name, its writing
direction, and the messages): the program adds a language by adding a file, no code.
Italian is complete and is the fallback: a language without a file, or a message
missing from one, is written in Italian, and then the English `fallback` line tells
the family, in a language many read, what the letter is and how to answer.
Arabic is written right to left (`direction` "rtl").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).parent / "family_messages"
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
