"""Jinja templates from every domain, with gettext wired to app.i18n."""

from __future__ import annotations

import itertools
from os import PathLike
from pathlib import Path
from typing import Any

from litestar import MediaType, Response
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from app import dates, i18n, places
from app.settings import ROOT

TEMPLATE_DIRS = [
    ROOT / "app" / "templates",
    ROOT / "integrations" / "mail" / "templates",
    ROOT / "company_portal" / "templates",
    ROOT / "surveys" / "templates",
    ROOT / "community" / "templates",
    ROOT / "civic" / "templates",
    *sorted((ROOT / "pacts").glob("*/templates")),  # one folder per feature
]


_ids = itertools.count(1)


def _configure(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext
    )
    env.globals.update(
        current_language=i18n.current_language,
        language_names=i18n.LANGUAGE_NAMES,
        day=dates.day,  # a domain's own `day` in a page's context takes precedence
        moment=dates.moment,
        availability=places.band_label,  # places free, few left, full: never a count
        # An id no other element of the page has (a table's caption, named by its region).
        unique_id=lambda prefix="id": f"{prefix}-{next(_ids)}",
    )


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    dirs: list[Path | PathLike[Any] | str] = [d for d in TEMPLATE_DIRS if d.is_dir()]
    return TemplateConfig(directory=dirs, engine=JinjaTemplateEngine, engine_callback=_configure)


async def pages_are_html(response: Response[Any]) -> Response[Any]:
    """Every page answers text/html, whatever its handler declares.

    A handler that answers a page or a redirect (`-> Any`) gets Litestar's default media
    type, JSON, and hands it to the page: a form shown again with its errors (422) would
    reach the browser as source. Runs as the app's `after_request` hook, so a layer below
    the app must not set its own.
    """
    if isinstance(response, Template) and not response.media_type:
        response.media_type = MediaType.HTML
    return response
