"""Translations: gettext catalogs (Babel), Italian first, English second.

Source strings are English; `it` and `en` catalogs are both complete. The current
language lives in a context variable, set per request by the web layer and per job
by the worker (`use_language`).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from app.settings import LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGE_NAMES = {"it": "Italiano", "en": "English"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default="it")


def _compile_if_stale(language: str) -> None:
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        with po.open("rb") as source:
            catalog = read_po(source, locale=language)
        # Written aside and renamed: another process may be reading the catalog.
        partial = mo.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalog)
        os.replace(partial, mo)


@cache
def translations(language: str) -> Translations:
    _compile_if_stale(language)
    loaded = Translations.load(str(LOCALE_DIR), [language], DOMAIN)
    if not isinstance(loaded, Translations):
        raise FileNotFoundError(f"no '{language}' catalog under {LOCALE_DIR}")
    return loaded


def current_language() -> str:
    return _current.get()


def set_language(language: str) -> None:
    _current.set(language if language in LANGUAGES else "it")


@contextlib.contextmanager
def use_language(language: str) -> Iterator[None]:
    token = _current.set(language if language in LANGUAGES else "it")
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return str(translations(current_language()).pgettext(context, message))


_ = gettext


def negotiate(
    user_choice: str | None,
    query: str | None,
    cookie: str | None,
    accept_language: str | None,
    default: str,
) -> str:
    """The user's choice, then `?lang=`, then the switcher's cookie, then Accept-Language."""
    for candidate in (user_choice, query, cookie):
        if candidate in LANGUAGES:
            return candidate
    for part in _ranked(accept_language or ""):
        if part in LANGUAGES:
            return part
    return default


def _ranked(header: str) -> list[str]:
    ranked = []
    for item in header.split(","):
        pieces = item.strip().split(";q=")
        tag = pieces[0].strip().lower().split("-")[0]
        try:
            weight = float(pieces[1]) if len(pieces) > 1 else 1.0
        except ValueError:
            weight = 0.0
        if tag:
            ranked.append((weight, tag))
    return [tag for weight, tag in sorted(ranked, key=lambda pair: -pair[0]) if weight > 0]
