from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigSerial, Date, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T12:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "school holidays"


def _params(**more) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
            "secret": False, **more}


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="civic", description=DESCRIPTION
    )
    manager.add_table(
        class_name="SchoolHoliday", tablename="school_holidays", schema=None, columns=None
    )
    for name, column_class, params in (
        ("id", BigSerial, _params(primary_key=True)),
        ("first_day", Date, _params(default=DateNow())),
        ("last_day", Date, _params(default=DateNow())),
        ("name", Varchar, _params(length=100, default="")),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ):
        manager.add_column(
            table_class_name="SchoolHoliday", tablename="school_holidays",
            column_name=name, db_column_name=name, column_class_name=column_class.__name__,
            column_class=column_class, params=params, schema=None,
        )
    return manager
