"""Keep credentials and personal data out of the logs: the web kernel's one log filter.

A pattern's first or second group is the part to keep; what follows it in the match is
written as `…`. `install()` scrubs every log record of every logger when it is made,
so every handler (uvicorn's access and error logs, the app's, the worker's, one added
later) writes the scrubbed text, the traceback included. The process entry points
(`legami serve`, `legami worker`, the embedded worker in the web app) call it.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable
from typing import Any

# The kernel's own credential in a path: the one-time sign-in link `/auth/link/<token>`.
# Each domain declares its own (an answer link, a family's link...) as `LOG_PATTERNS`, and
# the composition root (legami/logs.py) hands them all to `install`.
KERNEL_PATTERNS = [r"(/auth/link/)[^/?\s\"']+"]


class Scrubber:
    def __init__(self, patterns: list[str]) -> None:
        self.pattern = re.compile("|".join(f"(?:{p})" for p in patterns))

    def __call__(self, text: str) -> str:
        return self.pattern.sub(lambda m: f"{next(g for g in m.groups() if g)}…", text)


_patterns = list(KERNEL_PATTERNS)
SCRUB = Scrubber(_patterns)
_installed = False


def _scrub_message(record: logging.LogRecord) -> None:
    """Scrub the record's message, keeping its arguments where that is enough.

    Formatters that read the arguments (uvicorn's access log unpacks five of them) keep
    working when each argument is scrubbed on its own; only a credential that no single
    argument holds makes the record a plain, already formatted message.
    """
    whole = record.getMessage()
    if SCRUB(whole) == whole:
        return
    args = record.args
    if isinstance(args, tuple) and all(isinstance(a, str | int | float | None) for a in args):
        record.args = tuple(SCRUB(a) if isinstance(a, str) else a for a in args)
        again = record.getMessage()
        if SCRUB(again) == again:
            return
    record.msg, record.args = SCRUB(whole), ()


def install(patterns: Iterable[str] = ()) -> None:
    """Scrub every log record from now on, in this process, of the kernel's credentials
    and of `patterns` (once; calling again only adds patterns)."""
    global SCRUB, _installed
    added = [pattern for pattern in patterns if pattern not in _patterns]
    if added:
        _patterns.extend(added)
        SCRUB = Scrubber(_patterns)
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def scrubbed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        # A bad format string stays as it is: the handler reports it, as without us.
        with contextlib.suppress(Exception):
            _scrub_message(record)
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = SCRUB(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = SCRUB(record.stack_info)
        return record

    logging.setLogRecordFactory(scrubbed_record)
