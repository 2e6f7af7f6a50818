from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table


class Invitation(Table, tablename="invitations", schema=None):
    pass


ID = "2026-12-06T05:04:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "earlier mail invitations with a link were sent"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="surveys", description=DESCRIPTION
    )

    async def earlier_mail_was_sent():
        # Before delivery was recorded, a stored link meant the mail had been sent.
        await Invitation.raw(
            "UPDATE invitations SET delivery = 'sent' "
            "WHERE channel = 'mail' AND token_hash IS NOT NULL"
        )

    manager.add_raw(earlier_mail_was_sent)

    return manager
