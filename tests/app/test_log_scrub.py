"""No log line of any logger, traceback included, carries an answer link, a code or a
family link, whichever handler writes it and whenever that handler was added."""

from __future__ import annotations

import io
import logging

from app.web import log_scrub

TOKEN = "Zk3_9aQ-Tok3nFamily22"


def test_every_logger_writes_links_and_codes_only_as_their_pattern() -> None:
    log_scrub.install()
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)  # added after install, on the root logger
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        # The error log during a database outage: the path, and a driver's error that
        # quotes the failed statement's parameters.
        try:
            raise ConnectionError(f"connection lost while reading /r/{TOKEN}/1")
        except ConnectionError:
            logging.getLogger("legami.web").exception(
                "unhandled error on %s %s", "GET", f"/r/{TOKEN}/1")
        logging.getLogger("legami.worker").warning("mail for /f/%s failed", TOKEN)
        logging.getLogger("some.library").error("GET /codice?c=ABCDE-12345&lang=en")
    finally:
        root.removeHandler(handler)

    text = lines.getvalue()
    assert TOKEN not in text and "ABCDE" not in text
    assert "unhandled error on GET /r/…/1" in text
    assert "ConnectionError: connection lost while reading /r/…/1" in text
    assert "/f/…" in text and "c=…&lang=en" in text
