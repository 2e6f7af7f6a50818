"""Families and pupils of the partner schools, with as little data as possible."""

from piccolo.columns import UUID, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.tables import Organization


class Family(Table, tablename="families"):
    id = UUID(primary_key=True)
    school = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    family_ref = Varchar(length=64)
    reference_adult = Varchar(length=200)
    contact_email = Varchar(length=320, null=True, default=None)
    contact_phone = Varchar(length=40, null=True, default=None)
    language = Varchar(length=5, default="it")
    working_pattern = Varchar(length=40, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Pupil(Table, tablename="pupils"):
    id = UUID(primary_key=True)
    family = ForeignKey(Family, on_delete=OnDelete.cascade, index=True)
    first_name = Varchar(length=100)
    birth_year = Integer()
    class_name = Varchar(length=20)
