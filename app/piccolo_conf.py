"""Piccolo's configuration: the engine from settings and every domain's app."""

from piccolo.conf.apps import AppRegistry

from app.db import make_engine

DB = make_engine()

APP_REGISTRY = AppRegistry(
    apps=[
        "app.piccolo_app",
        "company_portal.piccolo_app",
        "surveys.piccolo_app",
        "community.piccolo_app",
        "civic.piccolo_app",
        "pacts.piccolo_app",
    ]
)
