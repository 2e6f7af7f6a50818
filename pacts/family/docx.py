"""The printable pact: A4, in the family's language, with a QR code to the family's
link, and room for both signatures. Opening it is logged like any opening; printing
makes a new link (only its hash is kept), so the earlier mailed link stops working."""

from __future__ import annotations

import asyncio
import io
from uuid import UUID

from docx.shared import Cm, Pt

from app.auth.caller import Caller
from app.dates import day
from app.documents import a4_document, qr_png
from app.errors import InvalidInput
from app.i18n import _, use_language
from pacts.family import service as family
from pacts.pacts import service
from pacts.pacts.schemas import PactDetail, Version


def write_docx(pact: PactDetail, version: Version, link: str | None, language: str) -> bytes:
    """The Word document (call it in a worker thread)."""
    with use_language(language):
        document = a4_document()
        document.core_properties.title = _("Your pact with the FareLegami community")
        document.core_properties.language = language
        document.core_properties.author = "Legami"
        document.styles["Normal"].font.size = Pt(11)
        document.add_paragraph(_("Your pact with the FareLegami community"), style="Title")
        number = _("Version %(num)s") % {"num": version.number}
        document.add_paragraph(f"{pact.holder_name} · {number}", style="Subtitle")
        content = version.content
        document.add_heading(_("Your goals"), level=1)
        for goal in content.goals:
            document.add_paragraph(goal.text, style="List Number")
            for result in goal.results:
                due = f" · {_('by %(day)s') % {'day': day(result.due)}}" if result.due else ""
                document.add_paragraph(result.text + due, style="List Bullet 2")
        if content.commitments:
            document.add_heading(_("What each side commits to"), level=1)
            table = document.add_table(rows=1, cols=4)
            table.style = "Table Grid"
            for cell, label in zip(table.rows[0].cells,
                                   (_("Side"), _("Who"), _("What"), _("By when")), strict=True):
                cell.text = label
            for item in content.commitments:
                cells = table.add_row().cells
                cells[0].text = _("The family") if item.side == "family" else _("The community")
                cells[1].text, cells[2].text = item.who, item.what
                cells[3].text = day(item.by) if item.by else ""
        if content.supports:
            document.add_heading(_("Supports"), level=1)
            for support in content.supports:
                document.add_paragraph(support, style="List Bullet")
        if content.give_back:
            document.add_heading(_("What you give back to the community"), level=1)
            document.add_paragraph(content.give_back)
            document.add_paragraph(_("This is never a condition of the pact."))
        if link:
            document.add_paragraph(_("Read the pact on your phone:"))
            document.add_paragraph().add_run().add_picture(io.BytesIO(qr_png(link)),
                                                           width=Cm(3.5))
        document.add_paragraph("\n" + _("Signed by the family") + ": ____________________")
        document.add_paragraph(_("Signed for the community") + ": ____________________")
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()


async def pact_docx(caller: Caller, pact_id: UUID) -> tuple[str, bytes]:
    """The file name and the printable pact; the opening is logged as "docx"."""
    pact = await service.detail(caller, pact_id, "docx")
    if not pact.versions or pact.status == "closed":
        raise InvalidInput({"pact": _("Write the pact before printing it.")})
    token = await family.issue_token(pact_id)
    link = family.link_for(token) if token else None
    language = family.family_language(pact.language)
    data = await asyncio.to_thread(write_docx, pact, pact.versions[0], link, language)
    name = "patto.docx" if language == "it" else "pact.docx"
    return name, data
