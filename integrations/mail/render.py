"""Render a mail (subject, plain text, HTML) from templates/mail/<name>.txt and .html.

Templates use `{% trans %}` with English msgids; the catalogs in app/locale give the
Italian and English text. Rendering happens inside `use_language`, so a job renders
in the recipient's language whatever the process default is.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.i18n import _, gettext, ngettext, use_language
from app.mail import TEMPLATES

TEMPLATE_DIR = Path(__file__).parent / "templates"


def _subjects() -> dict[str, str]:
    # Built per call so `_` translates in the language of the render.
    return {
        "signin_link": _("Your sign-in link for Legami"),
        "invitation": _("You are invited to Legami for {organization}"),
        "company_invitation": _("{organization} joins FareLegami: start on Legami"),
        "wave_invitation": _("{company}: a short anonymous survey for you"),
        "wave_reminder": _("Reminder: the anonymous survey closes on {closes_on}"),
        "initiative_offer": _("A place is free for you: {title}"),
        "initiative_confirmation": _("Your sign-up is recorded: {title}"),
        "activity_proposal": _("{school} proposes an activity for {pupil}: {activity}"),
        "activity_confirmation": _("{activity}: your answer for {pupil} is recorded"),
        "activity_offer": _("A place is free for {pupil}: {activity}"),
        # Neutral subjects: a shared mailbox must not tell that the person has a pact.
        "pact_proposal": _("FareLegami: a document to read"),
        "pact_review": _("FareLegami: our next meeting, {when}"),
    }


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"], default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    # app.i18n reads the language from a context variable at call time.
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def render(template: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Return (subject, text, html) of `template` in `language`."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown mail template {template!r}")
    env = _environment()
    with use_language(language):
        values = {**context, "language": language}
        subject = _subjects()[template].format(**context)
        text = env.get_template(f"mail/{template}.txt").render(values)
        html = env.get_template(f"mail/{template}.html").render(values, subject=subject)
    return subject, text, html
