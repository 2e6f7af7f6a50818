from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import BigSerial, ForeignKey, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Invitation(Table, tablename="invitations", schema=None):
    id = BigSerial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name=None,
        secret=False,
    )


ID = "2026-12-06T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "surveys: earlier links keep working after a reminder"


def _params(**changes):
    return {
        "null": False, "primary_key": False, "unique": False, "index": False,
        "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
        "secret": False, **changes,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)
    manager.add_table(class_name="EarlierLink", tablename="earlier_links", schema=None,
                      columns=None)
    manager.add_column(
        table_class_name="EarlierLink", tablename="earlier_links", column_name="id",
        db_column_name="id", column_class_name="BigSerial", column_class=BigSerial,
        params=_params(primary_key=True), schema=None)
    manager.add_column(
        table_class_name="EarlierLink", tablename="earlier_links", column_name="invitation",
        db_column_name="invitation", column_class_name="ForeignKey", column_class=ForeignKey,
        params=_params(references=Invitation, on_delete=OnDelete.cascade,
                       on_update=OnUpdate.cascade, target_column=None, null=True, index=True),
        schema=None)
    manager.add_column(
        table_class_name="EarlierLink", tablename="earlier_links", column_name="token_hash",
        db_column_name="token_hash", column_class_name="Varchar", column_class=Varchar,
        params=_params(length=64, default="", unique=True), schema=None)
    return manager
