"""Keep credentials and personal data out of the logs: the web kernel's one log filter.

A domain gives a pattern whose first or second group is the part to keep; what follows
it in the match is written as `…`. Filters are added to the loggers that write request
paths (uvicorn's access log, the app's error log).
"""

from __future__ import annotations

import logging
import re


class Scrubber(logging.Filter):
    def __init__(self, pattern: str) -> None:
        super().__init__()
        self.pattern = re.compile(pattern)

    def _sub(self, text: str) -> str:
        return self.pattern.sub(lambda m: f"{m.group(1) or m.group(2)}…", text)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._sub(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = self._sub(record.msg)
        return True


def scrub(pattern: str, *loggers: str) -> Scrubber:
    """Add a filter for `pattern` to each of `loggers`."""
    scrubber = Scrubber(pattern)
    for name in loggers:
        logging.getLogger(name).addFilter(scrubber)
    return scrubber
