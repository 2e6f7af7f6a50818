"""Log scrubbing for the whole product: the kernel's scrubber, given every domain's
credentials. `legami serve` (through `create_app`) and `legami worker` install it."""

from __future__ import annotations

from app.web import log_scrub
from civic.referrals.pages import LOG_PATTERNS as CIVIC
from pacts.family.pages import LOG_PATTERNS as PACTS
from surveys.answering.pages import LOG_PATTERNS as SURVEYS

PATTERNS = [*SURVEYS, *CIVIC, *PACTS]


def install() -> None:
    """No log line of any logger carries a credential from now on, in this process."""
    log_scrub.install(PATTERNS)
