"""The job registry under its earlier name: it lives in the kernel (`app.jobs`), and
this module only hands it on to the modules that still import it from here (pacts/)."""

from app.jobs import HANDLERS, Handler, job

__all__ = ["HANDLERS", "Handler", "job"]
