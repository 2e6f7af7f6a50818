"""Files handed to the browser, by the pages and the API alike: one response shape.

`content-disposition: attachment` with the file's name, so the browser saves it rather
than showing it.
"""

from __future__ import annotations

from litestar import Response

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def download(filename: str, data: bytes, media_type: str = DOCX) -> Response[bytes]:
    """`data` as a file named `filename` (a Word file unless `media_type` says otherwise)."""
    return Response(content=data, media_type=media_type, headers={
        "content-disposition": f'attachment; filename="{filename}"'})
