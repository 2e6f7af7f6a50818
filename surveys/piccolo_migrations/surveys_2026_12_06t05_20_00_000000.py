"""Codes belong to a reporting group: invitations reached by code forget their person."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.db import engine

ID = "2026-12-06T05:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "surveys: code invitations keep no roster entry"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="surveys", description=DESCRIPTION
    )

    async def detach() -> None:
        await engine().run_ddl(
            "UPDATE invitations SET roster_entry = NULL WHERE channel = 'code'")

    manager.add_raw(detach)
    return manager
