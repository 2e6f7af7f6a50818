"""Every job, registered by importing the modules that declare them.

Importing this module registers them all with app.jobs; the entry points (the web
app, the `legami` command, the worker and the tests) import it before binding a broker.
A module that declares `@job(...)` is added here (tests/worker/test_jobs.py checks it).
"""

import app.places
import civic.families.retention
import civic.referrals.jobs
import community.initiatives.jobs
import integrations.mail.jobs
import pacts.family.jobs
import pacts.retention.jobs
import pacts.reviews.jobs
import surveys.ballot.jobs
import surveys.distribution.jobs
import surveys.reports.jobs
from app.jobs import HANDLERS, Handler

JOB_MODULES = tuple(
    module.__name__
    for module in (
        app.places,
        civic.families.retention,
        civic.referrals.jobs,
        community.initiatives.jobs,
        integrations.mail.jobs,
        pacts.family.jobs,
        pacts.retention.jobs,
        pacts.reviews.jobs,
        surveys.ballot.jobs,
        surveys.distribution.jobs,
        surveys.reports.jobs,
    )
)


def load_all() -> dict[str, Handler]:
    """Every registered job handler by name."""
    return HANDLERS
