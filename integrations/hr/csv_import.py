"""Roster files from HR: CSV as spreadsheets export it, read and checked row by row.

Excel in Italy saves "CSV" with `;` between values and, unless told otherwise, in
Windows-1252; newer exports are UTF-8, with or without a byte-order mark. We decode as
UTF-8 first, then as Windows-1252, and say so plainly when a file is neither. Problems
in the rows are collected, not raised, so HR gets the whole report at once; a problem
with the file itself (encoding, header) raises `InvalidInput` on the field "file".

The first half of this module reads any such file (`read_csv`, `read_header`,
`data_records`, `layout_problems`): the school's family import uses it too. The second
half checks roster rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from app.clock import now
from app.errors import InvalidInput
from app.i18n import _
from app.organizations import EMAIL_RE

if TYPE_CHECKING:
    from _csv import Reader

MAX_BYTES = 5 * 1024 * 1024
PENDING_HOURS = 24  # an uploaded file waits this long for its confirmation
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
# The file HR downloads to fill in: as Excel saves it in Italy (BOM, semicolons, CRLF).
TEMPLATE = ("\ufeffmatricola;nome;email;reparto;sede\r\n"
            "M-001;Maria Rossi;maria.rossi@azienda.it;Produzione;Crema\r\n")
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
    attribute_names: dict[str, str] = field(default_factory=dict)  # key: the name as written


@dataclass
class Header:
    """The first row: known columns by key, other named columns, unnamed columns."""

    names: list[str]
    fields: dict[str, int]
    others: dict[str, int]
    unnamed: list[int]


def _normal(name: str) -> str:
    return " ".join(name.split()).lower()


def file_error(message: str) -> InvalidInput:
    return InvalidInput({"file": message})


def decode(data: bytes, not_text: str | None = None) -> tuple[str, str]:
    """The text of a CSV file and its encoding ("utf-8" or "windows-1252").

    `not_text` is the message for a file that is not text (by default, about a roster).
    """
    not_text = not_text or _("This is not a text file. Upload the roster saved as CSV.")
    if not data.strip():
        raise file_error(_("The file is empty."))
    if data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise file_error(_("This is a spreadsheet workbook, not a CSV file. In Excel choose "
                           "File, Save as, \"CSV UTF-8\" and upload that file."))
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise file_error(_("The file is in UTF-16. Save it as \"CSV UTF-8\" and upload it "
                           "again."))
    text, encoding = _text(data, not_text)
    if CONTROL.search(text):
        raise file_error(not_text)
    return text, encoding


def _text(data: bytes, not_text: str) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if CONTROL.search(data.decode("cp1252", errors="replace")):
        raise file_error(not_text)
    if UTF8_SEQUENCE.search(data):
        raise file_error(_("The file mixes character encodings, so accented letters would "
                           "come out wrong. Save it again as \"CSV UTF-8\" and upload it."))
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        raise file_error(_("The file is neither UTF-8 nor Windows-1252 text. Save it as "
                           "\"CSV UTF-8\" and upload it again.")) from None


def known_column(name: str, column_names: dict[str, tuple[str, ...]]) -> str | None:
    """The key of the column a header `name` stands for, in any of its spellings."""
    normal = _normal(name)
    return next((key for key, names in column_names.items() if normal in names), None)


def _known(name: str) -> str | None:
    return known_column(name, COLUMN_NAMES)


def _records(text: str, delimiter: str) -> Reader:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)


def sniff_delimiter(text: str, known: Callable[[str], object] = _known) -> str:
    """The delimiter under which the header row names the most known columns."""
    first_line = text.splitlines()[0] if text else ""

    def score(delimiter: str) -> tuple[int, int]:
        try:
            header: list[str] = next(_records(first_line, delimiter), [])
        except csv.Error:
            return (0, 0)
        return (sum(1 for name in header if known(name)), len(header))

    return max(DELIMITERS, key=score)


@dataclass
class CsvFile:
    """A decoded file: its records, each with the line it starts on, header first."""

    encoding: str
    delimiter: str
    records: Iterator[tuple[int, list[str]]]


def read_csv(data: bytes, column_names: dict[str, tuple[str, ...]],
             max_bytes: int = MAX_BYTES, not_text: str | None = None) -> CsvFile:
    """Decode a CSV file as spreadsheets write it, and pick its delimiter by its header."""
    if len(data) > max_bytes:
        raise file_error(_("The file is too large (at most {megabytes} MB).")
                         .format(megabytes=max_bytes // (1024 * 1024)))
    text, encoding = decode(data, not_text)
    if not text.strip():
        raise file_error(_("The file is empty."))
    delimiter = sniff_delimiter(text, lambda name: known_column(name, column_names))
    return CsvFile(encoding, delimiter, _numbered(_records(text, delimiter)))


def read_header(names: list[str], column_names: dict[str, tuple[str, ...]]) -> Header:
    """Map the first row to known columns; two names for one column are a file error."""
    header = Header(names=[" ".join(n.split()) for n in names], fields={}, others={},
                    unnamed=[])
    seen: dict[str, str] = {}
    for index, name in enumerate(header.names):
        if not name:
            header.unnamed.append(index)
            continue
        key = known_column(name, column_names) or _normal(name)
        if key in seen:
            raise file_error(_("The columns \"{first}\" and \"{second}\" hold the same "
                               "information: keep only one.").format(first=seen[key],
                                                                     second=name))
        seen[key] = name
        if key in column_names:
            header.fields[key] = index
        else:
            header.others[key] = index
    return header


def layout_problems(line: int, values: list[str], header: Header) -> list[RowProblem]:
    """Problems of a row's shape: more values than columns, values in unnamed columns."""
    problems = []
    if len(values) > len(header.names):
        problems.append(RowProblem(line, "—", _(
            "The row has more values than the header has columns; check the separators "
            "and the quotes.")))
    # Spreadsheets leave empty columns without a name: only values there are a problem.
    for index in header.unnamed:
        if index < len(values) and values[index].strip():
            problems.append(RowProblem(
                line, _("column {number}").format(number=index + 1),
                _("This value is in a column without a name in the first row: name the "
                  "column or delete it.")))
    return problems


def data_records(records: Iterator[tuple[int, list[str]]], max_rows: int = MAX_ROWS
                 ) -> Iterator[tuple[int, list[str]]]:
    """The records after the header that hold any value; too many or none is a file error."""
    seen = 0
    for line, values in records:
        if not any(value.strip() for value in values):
            continue
        seen += 1
        if seen > max_rows:
            raise file_error(_("The file has more than {limit} rows.").format(limit=max_rows))
        yield line, values
    if not seen:
        raise file_error(_("The file has no rows after the header."))


def _header(names: list[str]) -> Header:
    header = read_header(names, COLUMN_NAMES)
    for key, index in header.others.items():
        if len(key) > ATTRIBUTE_NAME_LIMIT:
            raise file_error(_("The column name \"{name}\" is too long (at most {limit} "
                               "characters).").format(name=header.names[index],
                                                      limit=ATTRIBUTE_NAME_LIMIT))
    missing = [key for key in REQUIRED if key not in header.fields]
    if missing:
        raise file_error(_("Required columns are missing: {columns}. The first row must "
                           "name the columns, for example: {example}.").format(
            columns=", ".join(_column_label(key) for key in missing),
            example="matricola;nome;email;reparto;sede"))
    if len(header.others) > MAX_ATTRIBUTES:
        raise file_error(_("The file has {count} extra columns; at most {limit} can be "
                           "used for reporting groups.").format(
            count=len(header.others), limit=MAX_ATTRIBUTES))
    return header


def _column_label(key: str) -> str:
    italian, english = COLUMN_NAMES[key][0], COLUMN_NAMES[key][1]
    return f"{italian} ({english})"


class _RowChecker:
    """Checks one data row at a time, remembering what earlier rows used."""

    def __init__(self, header: Header) -> None:
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
        self.problems.extend(layout_problems(line, values, self.header))
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
        for key, index in self.header.others.items():
            value = " ".join(values[index].split()) if index < len(values) else ""
            if len(value) > ATTRIBUTE_VALUE_LIMIT:
                self.problems.append(RowProblem(line, self.header.names[index], _(
                    "Too long: at most {limit} characters.").format(limit=ATTRIBUTE_VALUE_LIMIT)))
            attributes[key] = value
        return attributes


def parse_roster(data: bytes) -> ParsedRoster:
    """Read a roster file: its rows, and every problem found, with line and column."""
    file = read_csv(data, COLUMN_NAMES)
    header = _header(next(file.records, (1, []))[1])
    checker = _RowChecker(header)
    rows, row_count = _rows(data_records(file.records), checker)
    return ParsedRoster(rows, checker.problems, row_count, file.encoding, file.delimiter,
                        list(header.others),
                        {key: header.names[index] for key, index in header.others.items()})


def _numbered(reader: Reader) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on (a quoted value may span lines)."""
    line = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise file_error(_("Line {line}: a quote (\") opens a value that never closes. "
                               "Check that line in the spreadsheet.").format(line=line)) from None
        yield line, values
        line = reader.line_num + 1


def _rows(records: Iterator[tuple[int, list[str]]], checker: _RowChecker
          ) -> tuple[list[RosterRow], int]:
    """The valid rows, and how many rows hold any value at all."""
    rows: list[RosterRow] = []
    seen = 0
    for line, values in records:
        seen += 1
        row = checker.check(line, values)
        if row is not None:
            rows.append(row)
    return rows, seen


# Stored previews (rosters and school family files) ------------------------------------


def preview_expired(row: dict[str, Any]) -> bool:
    """A stored preview not confirmed within PENDING_HOURS must be uploaded again."""
    return bool(row["created_at"] < now() - timedelta(hours=PENDING_HOURS))


def check_applicable(row: dict[str, Any]) -> None:
    """Refuse to apply a preview with problems, already applied, or expired."""
    if row["status"] == "invalid":
        raise InvalidInput({"import": _("The file has problems: correct them and upload it "
                                        "again. Nothing has been changed.")})
    if row["status"] == "applied":
        raise InvalidInput({"import": _("This file has already been imported.")})
    if preview_expired(row):
        raise InvalidInput({"import": _("This preview has expired. Upload the file again.")})
