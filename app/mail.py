"""Mail as the kernel queues it: the job "mail.send", which `integrations/mail` handles
(it renders the template in the recipient's language and delivers it).

The kernel and the domains queue mail here; only jobs that make a secret for their mail
(the sign-in link, the wave links) render and deliver it themselves.
"""

from __future__ import annotations

from typing import Any

from app.outbox import enqueue

MAIL_JOB = "mail.send"
# The mails `integrations/mail/templates/mail/` holds, by name.
TEMPLATES = ("signin_link", "invitation", "company_invitation", "wave_invitation",
             "wave_reminder", "initiative_offer", "initiative_confirmation", "activity_proposal",
             "activity_confirmation", "activity_offer", "pact_proposal", "pact_review")


async def send_mail(to: str, template: str, language: str, context: dict[str, Any]) -> int:
    """Queue the job "mail.send" and return its outbox id.

    Call it inside the caller's transaction: a rolled-back change sends nothing. The
    payload is stored in the outbox and passes through the broker, so `context` must be
    JSON-serialisable and must never hold a secret such as a sign-in token or a link
    carrying one: a job that needs a secret creates it in its own handler, renders the
    mail there and calls `integrations.mail.sender.deliver` directly.
    """
    if template not in TEMPLATES:
        raise ValueError(f"unknown mail template {template!r}")
    payload = {"to": to, "template": template, "language": language, "context": context}
    return await enqueue(MAIL_JOB, payload)
