"""No log line of any logger, traceback included, carries an answer link, a code or a
family link, whichever handler writes it and whenever that handler was added."""

from __future__ import annotations

import io
import logging
import sys

from legami import logs

TOKEN = "Zk3_9aQ-Tok3nFamily22"


def test_every_logger_writes_links_and_codes_only_as_their_pattern() -> None:
    logs.install()
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
    assert "unhandled error on GET /r/…" in text and "/1" not in text
    assert "ConnectionError: connection lost while reading /r/…" in text
    assert "/f/…" in text and "c=…&lang=en" in text


def test_uvicorns_access_log_still_formats_its_lines_once_scrubbed() -> None:
    """Before: the scrubber dropped the record's arguments, and uvicorn's access
    formatter, which unpacks five of them, failed on every request of `legami serve`."""
    from uvicorn.logging import AccessFormatter

    logs.install()
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(AccessFormatter('%(client_addr)s "%(request_line)s" %(status_code)s',
                                         use_colors=False))
    access = logging.getLogger("tests.uvicorn.access")  # the formatter is uvicorn's
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    errors: list[BaseException] = []
    handler.handleError = lambda record: errors.append(sys.exc_info()[1])  # type: ignore
    try:
        for path in (f"/r/{TOKEN}/2?lang=en", "/signin"):
            access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.7:5555", "GET", path, "1.1", 200)
    finally:
        access.removeHandler(handler)

    assert errors == []
    assert lines.getvalue().splitlines() == ['10.0.0.7:5555 "GET /r/… HTTP/1.1" 200 OK',
                                             '10.0.0.7:5555 "GET /signin HTTP/1.1" 200 OK']


def test_a_sign_in_link_is_written_only_as_its_pattern() -> None:
    """Before: the kernel's own credential, the one-time sign-in link, was logged whole;
    a log reader could open it before its owner did."""
    logs.install()
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        logging.getLogger("tests.access").warning('"GET /auth/link/%s HTTP/1.1" 200', TOKEN)
    finally:
        root.removeHandler(handler)
    assert TOKEN not in lines.getvalue() and "/auth/link/…" in lines.getvalue()
