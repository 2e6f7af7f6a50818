"""The web application: create_app() wires every domain's pages and API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router

import legami.jobs  # noqa: F401  (registers every job)
from app.db import close_pool, open_pool
from app.settings import ROOT, Settings, get_settings
from app.web.admin_pages import AdminPages
from app.web.api import api_router
from app.web.auth_pages import AuthPages
from app.web.errors import EXCEPTION_HANDLERS
from app.web.health import healthz, readyz
from app.web.home import home
from app.web.middleware import RequestContextMiddleware, security_headers
from app.web.requests import LegamiRequest
from app.web.sso_pages import SSOPages
from app.web.templating import pages_are_html, template_config
from company_portal.onboarding.home import next_steps as onboarding_steps
from integrations.hr.csv_import import MAX_BYTES
from legami import logs
from legami.openapi import StrictStructs, describe_api
from legami.routes.civic import ROUTES as civic_routes
from legami.routes.community import ROUTES as community_routes
from legami.routes.company_portal import ROUTES as company_portal_routes
from legami.routes.pacts import ROUTES as pacts_routes
from legami.routes.surveys import ROUTES as surveys_routes
from surveys.waves.home import next_steps as wave_steps


def _route_handlers(development: bool) -> list[Any]:
    handlers: list[Any] = [
        home, healthz, readyz, AuthPages, SSOPages, AdminPages, api_router,
        create_static_files_router(path="/static", directories=[ROOT / "app" / "static"]),
        *company_portal_routes,
        *surveys_routes,
        *community_routes,
        *civic_routes,
        *pacts_routes,
    ]
    if development:
        from integrations.mail.pages import DevMailController

        handlers.append(DevMailController)
    return handlers


def _lifespan(run_jobs: bool) -> Any:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await open_pool()
        try:
            async with _jobs(app, get_settings(), run_jobs):
                yield
        finally:
            await close_pool()

    return lifespan


@asynccontextmanager
async def _jobs(app: Litestar, settings: Settings, run_jobs: bool) -> AsyncIterator[None]:
    """The embedded worker, or a relay that sends committed jobs to Redis or RabbitMQ."""
    from worker.broker import bind, make_broker
    from worker.embedded import EmbeddedWorker
    from worker.relay import relay_forever

    if settings.broker_kind == "embedded":
        embedded = EmbeddedWorker()
        app.state.broker = embedded.broker
        if run_jobs:
            await embedded.start()
        try:
            yield
        finally:
            if run_jobs:
                await embedded.stop()
        return
    broker = make_broker(settings)
    app.state.broker = broker
    relay = asyncio.create_task(relay_forever(bind(broker, settings), interval=1.0))
    try:
        yield
    finally:
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
        broker.close()


def create_app(run_jobs: bool = True) -> Litestar:
    """Build the app; `run_jobs=False` keeps the embedded worker off (tests drive jobs)."""
    settings = get_settings()
    development = settings.environment in ("development", "test")
    logs.install()
    app = Litestar(
        # What the home page offers to do next, from the domains that know it.
        state=State({"next_steps": [onboarding_steps, wave_steps]}),
        route_handlers=_route_handlers(development),
        middleware=[RequestContextMiddleware()],
        request_class=LegamiRequest,
        before_send=[security_headers],
        csrf_config=CSRFConfig(
            secret=settings.secret_key, cookie_name="legami_csrf", cookie_httponly=False,
            cookie_secure=not settings.is_development, cookie_samesite="lax",
            # Regular expressions, searched anywhere in the path: anchored, exact ones only.
            exclude=["^/healthz$", "^/readyz$", "^/static/", "^/scim/"],
        ),
        template_config=template_config(),
        # Pages and the stylesheet travel gzipped: a phone's first visit stays under 10 KB.
        compression_config=CompressionConfig(backend="gzip", minimum_size=500),
        after_request=pages_are_html,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(title="Legami API", version="1", path="/api/schema"),
        plugins=[StrictStructs()],
        # The largest upload is a 5 MB file (integrations.hr.csv_import.MAX_BYTES), with
        # room for the form around it: what the 413 page promises.
        request_max_body_size=MAX_BYTES + 256 * 1024,
        lifespan=[_lifespan(run_jobs)],
        debug=False,
    )
    describe_api(app)
    return app
