from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T12:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "consents given from the family's link"


def _params(default: str | None, null: bool) -> dict:
    return {"default": default, "null": null, "primary_key": False, "unique": False,
            "index": False, "index_method": IndexMethod.btree, "choices": None,
            "db_column_name": None, "secret": False}


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="civic", description=DESCRIPTION
    )
    manager.add_column(
        table_class_name="Consent", tablename="consents", column_name="source",
        db_column_name="source", column_class_name="Varchar", column_class=Varchar,
        params={"length": 10, **_params("school", False)}, schema=None,
    )
    manager.add_column(
        table_class_name="Consent", tablename="consents", column_name="notice_language",
        db_column_name="notice_language", column_class_name="Varchar", column_class=Varchar,
        params={"length": 5, **_params(None, True)}, schema=None,
    )
    return manager
