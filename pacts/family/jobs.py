"""Mail to the family: the pact to read and accept. The payload carries the pact id
only; the link is made here (only its hash is stored) and never sits in the outbox."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from app.jobs import job
from integrations.mail.render import render
from integrations.mail.sender import deliver
from pacts.family import service
from pacts.pacts.service import PROPOSAL_JOB
from pacts.tables import Pact


@job(PROPOSAL_JOB)
async def pact_mail(outbox_id: int, payload: dict[str, Any]) -> None:
    """Mail the family the link to the version waiting for them."""
    pact_id = UUID(payload["pact_id"])
    row = await Pact.select(Pact.holder_name, Pact.contact_email, Pact.language,
                            Pact.status).where(Pact.id == pact_id).first()
    if row is None or not row["contact_email"] or row["status"] != "proposed":
        return
    token = await service.issue_token(pact_id)  # a retry replaces its own link
    if token is None:
        return  # accepted or closed meanwhile
    language = service.family_language(row["language"])
    subject, text, html = render("pact_proposal", language, {
        "name": row["holder_name"].split(" ")[0], "link": service.link_for(token)})
    await deliver(outbox_id, row["contact_email"], subject, text, html)
