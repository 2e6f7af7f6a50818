from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import UUID, BigSerial, ForeignKey, Text
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Wave(Table, tablename="waves", schema=None):
    id = UUID(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name=None,
        secret=False,
    )


ID = "2026-12-06T15:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "results: sealed running tallies of open waves"


def _params(**changes):
    return {
        "null": False, "primary_key": False, "unique": False, "index": False,
        "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
        "secret": False, **changes,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="surveys", description=DESCRIPTION)
    manager.add_table(class_name="ResultTally", tablename="result_tallies", schema=None,
                      columns=None)
    manager.add_column(
        table_class_name="ResultTally", tablename="result_tallies", column_name="id",
        db_column_name="id", column_class_name="BigSerial", column_class=BigSerial,
        params=_params(primary_key=True), schema=None)
    manager.add_column(
        table_class_name="ResultTally", tablename="result_tallies", column_name="wave",
        db_column_name="wave", column_class_name="ForeignKey", column_class=ForeignKey,
        params=_params(references=Wave, on_delete=OnDelete.cascade,
                       on_update=OnUpdate.cascade, target_column=None, null=True, index=True),
        schema=None)
    manager.add_column(
        table_class_name="ResultTally", tablename="result_tallies", column_name="company",
        db_column_name="company", column_class_name="UUID", column_class=UUID,
        params=_params(default=UUID4(), index=True), schema=None)
    manager.add_column(
        table_class_name="ResultTally", tablename="result_tallies", column_name="box",
        db_column_name="box", column_class_name="Text", column_class=Text,
        params=_params(default=""), schema=None)
    return manager
