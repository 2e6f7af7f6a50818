"""The printable letter (A4, Word) a school hands over when a family has no e-mail.

The letter is in the family's language (`civic.referrals.messages`; right to left for
Arabic) and, when that is not Italian, again in Italian below, so the school and any
helper can read it too. It carries the family's link as text and as a QR code (segno)
and a short code to type on the site's /f page. Printing makes a new link: an earlier
letter of the same proposal stops working, as with a new mail.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Cm, Pt

from app.documents import a4_document, qr_png
from civic.referrals.messages import FamilyTexts, family_texts

SECTIONS = ("greeting", "proposal", "when", "where", "cost", "answer_by")


def spaced(code: str) -> str:
    """A code as people copy it: groups of four or fewer."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def _right_to_left(paragraph: Any) -> None:
    properties = paragraph._p.get_or_add_pPr()
    properties.append(OxmlElement("w:bidi"))
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for run in paragraph.runs:
        run._r.get_or_add_rPr().append(OxmlElement("w:rtl"))


def _lines(document: Any, texts: FamilyTexts, facts: dict[str, Any]) -> None:
    def add(text: str, style: str | None = None, size: int | None = None) -> Any:
        paragraph = document.add_paragraph(style=style)
        run = paragraph.add_run(text)
        if size:
            run.font.size = Pt(size)
        if texts.direction == "rtl":
            _right_to_left(paragraph)
        return paragraph

    add(texts.say("letter_title", pupil=facts["pupil"]), style="Heading 1")
    if not texts.complete:
        add(texts.say("fallback"))
    for key in SECTIONS:
        add(texts.say(key, **facts))
    add(texts.say("how_link"))
    add(facts["link"], size=10)
    add(texts.say("how_code", site=facts["site"]))
    add(spaced(facts["code"]), size=20).runs[0].bold = True
    add(texts.say("no_account"))


def write_letter(language: str | None, facts: dict[str, Any]) -> bytes:
    """The .docx of the letter (blocking: run it off the event loop). `facts` hold the
    values of the messages, the `link`, the `code` and the `site`."""
    document = a4_document()
    document.styles["Normal"].font.size = Pt(12)
    texts = family_texts(language)
    document.add_paragraph(facts["school"]).runs[0].bold = True
    _lines(document, texts, facts)
    document.add_picture(io.BytesIO(qr_png(facts["link"], scale=10)), width=Cm(5))
    if texts.language != "it":
        document.add_page_break()
        _lines(document, family_texts("it"), facts)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


async def letter(language: str | None, facts: dict[str, Any]) -> bytes:
    return await asyncio.to_thread(write_letter, language, facts)
