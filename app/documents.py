"""What printed Word documents share: an A4 page, and a QR code of a link.

python-docx starts from a US Letter page; what people print here is A4.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from docx import Document
from docx.shared import Cm


def a4_document(margin_cm: float = 2) -> Any:
    """A new Word document on A4 pages with even margins."""
    document = Document()
    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(margin_cm)
        section.top_margin = section.bottom_margin = Cm(margin_cm)
    return document


def qr_png(url: str, scale: int = 5) -> bytes:
    """The QR code of `url` as a PNG (error correction M: survives a crease)."""
    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=scale, border=2)
    return png.getvalue()
