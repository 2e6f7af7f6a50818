"""Roster files from HR: CSV as spreadsheets export it, read and checked row by row.

Excel in Italy saves "CSV" with `;` between values and, unless told otherwise, in
Windows-1252; newer exports are UTF-8, with or without a byte-order mark. We decode as
UTF-8 first, then as Windows-1252, and say so plainly when a file is neither. Problems
in the rows are collected, not raised, so HR gets the whole report at once; a problem
with the file itself (encoding, header) raises `InvalidInput` on the field "file".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.errors import InvalidInput
from app.i18n import _
from app.organizations import EMAIL_RE

if TYPE_CHECKING:
    from _csv import Reader

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_ATTRIBUTES = 10
LIMITS = {"employee_ref": 64, "name": 200, "department": 100, "site": 100}
ATTRIBUTE_NAME_LIMIT = 50
ATTRIBUTE_VALUE_LIMIT = 100
DELIMITERS = (",", ";", "\t")
# Header names HR may use, in Italian or English; any other column is an attribute.
COLUMN_NAMES = {
    "employee_ref": ("matricola", "employee_ref", "employee ref", "employee id", "employee_id"),
    "name": ("nome", "name", "nominativo", "nome e cognome", "full name"),
    "email": ("email", "e-mail", "mail", "indirizzo email", "indirizzo e-mail"),
    "department": ("reparto", "department"),
    "site": ("sede", "site"),
}
REQUIRED = ("employee_ref", "name")
# A well-formed UTF-8 sequence of two to four bytes: if a file that is not valid UTF-8
# still holds some, it mixes encodings, and reading it as Windows-1252 would garble it.
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class RosterRow:
    line: int
    employee_ref: str
    name: str
    email: str | None
    department: str
    site: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    problem: str


@dataclass
class ParsedRoster:
    rows: list[RosterRow]
    problems: list[RowProblem]
    row_count: int
    encoding: str
    delimiter: str
    attribute_columns: list[str]


@dataclass
class _Header:
    names: list[str]
    fields: dict[str, int]
    attributes: dict[str, int]
    unnamed: list[int]


def _normal(name: str) -> str:
    return " ".join(name.split()).lower()


def _file_error(message: str) -> InvalidInput:
    return InvalidInput({"file": message})


def decode(data: bytes) -> tuple[str, str]:
    """The text of a roster file and its encoding ("utf-8" or "windows-1252")."""
    if not data.strip():
        raise _file_error(_("The file is empty."))
    if data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise _file_error(_("This is a spreadsheet workbook, not a CSV file. In Excel choose "
                            "File, Save as, \"CSV UTF-8\" and upload that file."))
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise _file_error(_("The file is in UTF-16. Save it as \"CSV UTF-8\" and upload it "
                            "again."))
    text, encoding = _text(data)
    if CONTROL.search(text):
        raise _file_error(_("This is not a text file. Upload the roster saved as CSV."))
    return text, encoding


def _text(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if CONTROL.search(data.decode("cp1252", errors="replace")):
        raise _file_error(_("This is not a text file. Upload the roster saved as CSV."))
    if UTF8_SEQUENCE.search(data):
        raise _file_error(_("The file mixes character encodings, so accented letters would "
                            "come out wrong. Save it again as \"CSV UTF-8\" and upload it."))
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        raise _file_error(_("The file is neither UTF-8 nor Windows-1252 text. Save it as "
                            "\"CSV UTF-8\" and upload it again.")) from None


def _known(name: str) -> str | None:
    normal = _normal(name)
    return next((key for key, names in COLUMN_NAMES.items() if normal in names), None)


def _records(text: str, delimiter: str) -> Reader:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)


def sniff_delimiter(text: str) -> str:
    """The delimiter under which the header row names the most known columns."""
    first_line = text.splitlines()[0] if text else ""

    def score(delimiter: str) -> tuple[int, int]:
        try:
            header: list[str] = next(_records(first_line, delimiter), [])
        except csv.Error:
            return (0, 0)
        return (sum(1 for name in header if _known(name)), len(header))

    return max(DELIMITERS, key=score)


def _header(names: list[str]) -> _Header:
    header = _Header(names=[" ".join(n.split()) for n in names], fields={}, attributes={},
                     unnamed=[])
    seen: dict[str, str] = {}
    for index, name in enumerate(header.names):
        if not name:
            header.unnamed.append(index)
            continue
        key = _known(name) or _normal(name)
        if key in seen:
            raise _file_error(_("The columns \"{first}\" and \"{second}\" hold the same "
                                "information: keep only one.").format(first=seen[key],
                                                                      second=name))
        seen[key] = name
        if key in COLUMN_NAMES:
            header.fields[key] = index
        elif len(key) > ATTRIBUTE_NAME_LIMIT:
            raise _file_error(_("The column name \"{name}\" is too long (at most {limit} "
                                "characters).").format(name=name, limit=ATTRIBUTE_NAME_LIMIT))
        else:
            header.attributes[key] = index
    missing = [key for key in REQUIRED if key not in header.fields]
    if missing:
        raise _file_error(_("Required columns are missing: {columns}. The first row must "
                            "name the columns, for example: {example}.").format(
            columns=", ".join(_column_label(key) for key in missing),
            example="matricola;nome;email;reparto;sede"))
    if len(header.attributes) > MAX_ATTRIBUTES:
        raise _file_error(_("The file has {count} extra columns; at most {limit} can be "
                            "used for reporting groups.").format(
            count=len(header.attributes), limit=MAX_ATTRIBUTES))
    return header


def _column_label(key: str) -> str:
    italian, english = COLUMN_NAMES[key][0], COLUMN_NAMES[key][1]
    return f"{italian} ({english})"


class _RowChecker:
    """Checks one data row at a time, remembering what earlier rows used."""

    def __init__(self, header: _Header) -> None:
        self.header = header
        self.refs: dict[str, int] = {}
        self.emails: dict[str, int] = {}
        self.problems: list[RowProblem] = []

    def _column(self, key: str) -> str:
        return self.header.names[self.header.fields[key]]

    def _value(self, values: list[str], key: str) -> str:
        index = self.header.fields.get(key)
        return values[index].strip() if index is not None and index < len(values) else ""

    def _problem(self, line: int, key: str, message: str) -> None:
        self.problems.append(RowProblem(line, self._column(key), message))

    def _text(self, line: int, values: list[str], key: str) -> str:
        value = " ".join(self._value(values, key).split())
        if len(value) > LIMITS[key]:
            self._problem(line, key, _("Too long: at most {limit} characters.")
                          .format(limit=LIMITS[key]))
        return value

    def check(self, line: int, values: list[str]) -> RosterRow | None:
        before = len(self.problems)
        if len(values) > len(self.header.names):
            self.problems.append(RowProblem(line, "—", _(
                "The row has more values than the header has columns; check the separators "
                "and the quotes.")))
        self._unnamed(line, values)
        ref = self._text(line, values, "employee_ref")
        name = self._text(line, values, "name")
        if not ref:
            self._problem(line, "employee_ref", _("The employee number is missing."))
        elif ref in self.refs:
            self._problem(line, "employee_ref", _("The employee number {ref} is already on "
                                                  "line {line}.").format(ref=ref,
                                                                         line=self.refs[ref]))
        if not name:
            self._problem(line, "name", _("The name is missing."))
        row = RosterRow(line, ref, name, self._email(line, values),
                        self._text(line, values, "department"), self._text(line, values, "site"),
                        self._attributes(line, values))
        if ref:
            self.refs.setdefault(ref, line)
        return row if len(self.problems) == before else None

    def _unnamed(self, line: int, values: list[str]) -> None:
        # Spreadsheets leave empty columns without a name: only values there are a problem.
        for index in self.header.unnamed:
            if index < len(values) and values[index].strip():
                self.problems.append(RowProblem(
                    line, _("column {number}").format(number=index + 1),
                    _("This value is in a column without a name in the first row: name the "
                      "column or delete it.")))

    def _email(self, line: int, values: list[str]) -> str | None:
        email = self._value(values, "email").lower()
        if not email:
            return None
        if not EMAIL_RE.match(email):
            self._problem(line, "email", _("\"{email}\" is not a valid e-mail address.")
                          .format(email=email))
        elif email in self.emails:
            self._problem(line, "email", _("The e-mail {email} is already on line {line}.")
                          .format(email=email, line=self.emails[email]))
        else:
            self.emails[email] = line
        return email

    def _attributes(self, line: int, values: list[str]) -> dict[str, str]:
        attributes = {}
        for key, index in self.header.attributes.items():
            value = " ".join(values[index].split()) if index < len(values) else ""
            if len(value) > ATTRIBUTE_VALUE_LIMIT:
                self.problems.append(RowProblem(line, self.header.names[index], _(
                    "Too long: at most {limit} characters.").format(limit=ATTRIBUTE_VALUE_LIMIT)))
            attributes[key] = value
        return attributes


def parse_roster(data: bytes) -> ParsedRoster:
    """Read a roster file: its rows, and every problem found, with line and column."""
    if len(data) > MAX_BYTES:
        raise _file_error(_("The file is too large (at most {megabytes} MB).")
                          .format(megabytes=MAX_BYTES // (1024 * 1024)))
    text, encoding = decode(data)
    if not text.strip():
        raise _file_error(_("The file is empty."))
    delimiter = sniff_delimiter(text)
    records = _numbered(_records(text, delimiter))
    header = _header(next(records, (1, []))[1])
    checker = _RowChecker(header)
    rows, row_count = _rows(records, checker)
    return ParsedRoster(rows, checker.problems, row_count, encoding, delimiter,
                        list(header.attributes))


def _numbered(reader: Reader) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on (a quoted value may span lines)."""
    line = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise _file_error(_("Line {line}: a quote (\") opens a value that never closes. "
                                "Check that line in the spreadsheet.").format(line=line)) from None
        yield line, values
        line = reader.line_num + 1


def _rows(records: Iterator[tuple[int, list[str]]], checker: _RowChecker
          ) -> tuple[list[RosterRow], int]:
    """The valid rows, and how many rows hold any value at all."""
    rows: list[RosterRow] = []
    seen = 0
    for line, values in records:
        if not any(value.strip() for value in values):
            continue
        seen += 1
        if seen > MAX_ROWS:
            raise _file_error(_("The file has more than {limit} rows.").format(limit=MAX_ROWS))
        row = checker.check(line, values)
        if row is not None:
            rows.append(row)
    if not seen:
        raise _file_error(_("The file has no rows after the header."))
    return rows, seen
