"""Bar charts for Word reports, with no drawing library.

A bar is a small PNG of one solid colour, stretched by Word to the bar's length: the
chart is a borderless table of label, bar and value, so its words stay text (found by
search, read by screen readers, translated with the report) and Word and LibreOffice
draw it alike. Each colour is stored once in the .docx and shared by every bar.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

from docx.image.image import Image
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.oxml.shape import CT_Inline
from docx.oxml.text.paragraph import CT_P
from docx.parts.image import ImagePart
from docx.shared import Cm, Emu

# Colours that stay apart for colour-blind readers (Okabe–Ito), darkest first.
PALETTE = ((0, 114, 178), (230, 159, 0), (0, 158, 115), (204, 121, 167), (86, 180, 233),
           (213, 94, 0), (240, 228, 66), (0, 0, 0))
BAR_HEIGHT = Cm(0.35)
SWATCH = Cm(0.3)
FIRST_SHAPE_ID = 100_000  # above the ids python-docx gives the document's other shapes
PNG_SIDE = 4


def solid_png(rgb: tuple[int, int, int]) -> bytes:
    """A PNG_SIDE × PNG_SIDE image of one colour."""
    row = b"\x00" + bytes(rgb) * PNG_SIDE  # filter byte, then RGB pixels
    header = struct.pack(">IIBBBBB", PNG_SIDE, PNG_SIDE, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(row * PNG_SIDE)) + _chunk(b"IEND", b""))


def _chunk(tag: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + tag + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))


class Bars:
    """Places bars in a document; `run.add_picture` would rescan every shape per bar."""

    def __init__(self, document: Any) -> None:
        self._document = document
        self._relations: dict[int, str] = {}
        self._next_id = FIRST_SHAPE_ID

    def add(self, paragraph: CT_P, colour: int, width: int, text: str,
            height: int = BAR_HEIGHT) -> None:
        """At the end of `paragraph` (its XML element), a bar of `width` EMU in colour
        `colour` (a PALETTE index), described by `text`."""
        self._next_id += 1
        inline = CT_Inline.new_pic_inline(self._next_id, self._relation(colour),
                                          f"bar{colour}.png", Emu(width), Emu(height))
        inline.docPr.set("descr", text)  # the text alternative Word and readers show
        for side in ("distT", "distB", "distL", "distR"):
            inline.set(side, "0")  # LibreOffice otherwise spaces the pieces of a bar apart
        paragraph.add_r().add_drawing(inline)

    def swatch(self, paragraph: CT_P, colour: int, text: str) -> None:
        """A small square of `colour`, for a legend."""
        self.add(paragraph, colour, SWATCH, text, SWATCH)

    def _relation(self, colour: int) -> str:
        index = colour % len(PALETTE)
        if index not in self._relations:
            image = Image.from_blob(solid_png(PALETTE[index]))
            part = ImagePart.from_image(image, PackURI(f"/word/media/bar{index}.png"))
            self._relations[index] = self._document.part.relate_to(part, RT.IMAGE)
        return self._relations[index]
