"""The waves JSON API under /api/v1/waves: what the wave pages do.

HR managers reach the waves of their own company; program staff every wave. A wave out
of reach answers 404, like one that does not exist.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post

from app.auth.caller import PROGRAM_STAFF
from app.auth.guards import roles
from app.roles import HR_MANAGER
from app.web.context import caller_of
from app.web.downloads import DOCX, download
from surveys.distribution import service as distribution
from surveys.waves import service as waves
from surveys.waves.service import VersionChoice, WaveCounts, WaveCreate, WaveOut

Req = Request[Any, Any, Any]
wave_user = roles(HR_MANAGER, *PROGRAM_STAFF)


class CodesRequest(msgspec.Struct, forbid_unknown_fields=True):
    company_id: UUID



class WaveController(Controller):
    path = "/api/v1/waves"
    guards = [wave_user]
    tags = ["waves"]

    @get()
    async def list_waves(self, request: Req) -> list[WaveOut]:
        return await waves.list_waves(caller_of(request))

    @post()
    async def create_wave(self, request: Req, data: WaveCreate) -> WaveOut:
        return await waves.create_wave(caller_of(request), data)

    @get("/versions")
    async def versions(self, request: Req) -> list[VersionChoice]:
        return await waves.usable_versions(caller_of(request))

    @get("/{wave_id:uuid}")
    async def get_wave(self, request: Req, wave_id: UUID) -> WaveOut:
        return await waves.get_wave(caller_of(request), wave_id)

    @post("/{wave_id:uuid}/open", status_code=200)
    async def open_wave(self, request: Req, wave_id: UUID) -> WaveOut:
        return await waves.open_wave(caller_of(request), wave_id)

    @post("/{wave_id:uuid}/close", status_code=200)
    async def close_wave(self, request: Req, wave_id: UUID) -> WaveOut:
        return await waves.close_wave(caller_of(request), wave_id)

    @get("/{wave_id:uuid}/counts")
    async def counts(self, request: Req, wave_id: UUID) -> WaveCounts:
        return await waves.wave_counts(caller_of(request), wave_id)

    @post("/{wave_id:uuid}/codes", status_code=200, media_type=DOCX)
    async def codes(self, request: Req, wave_id: UUID, data: CodesRequest) -> Response[bytes]:
        """New single-use access codes (program staff): each call replaces the unused ones."""
        filename, sheet = await distribution.codes_sheet(caller_of(request), wave_id,
                                                         data.company_id)
        return download(filename, sheet)
