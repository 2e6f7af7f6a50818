"""The comment scrubber: what could name a person leaves a comment before anyone reads it.

Comments are shown only after the wave closes, for groups of at least 10 (see
`surveys.results.service`); even so a comment can name its writer or a colleague. This
module replaces, in this order: e-mail addresses (also written "[at]", "(at)", " at ",
"chiocciola", "[dot]", " punto "), IBANs, Italian tax codes (with or without spaces,
homocodes too), employee numbers in the roster's own format ("MAT-0010", learnt from
the roster), phone numbers in every Italian way of writing them ("(0372) 456789",
"0372.45.67.89", "+39 333 1234567", "0039 ..."), and every name of the roster and each
part of it of three letters or more, in any case, with or without diacritics ("Ionut"
for "Ionuț"), with ' or ’ ("D’Angelo") or an apostrophe for an accent ("Niccolo'").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

NAME_MIN = 3  # name parts shorter than this ("Li", "De") stay: they are common words
APOSTROPHES = "'’‘`´ʼ"

_AT = r"(?:@|\s*[\[({]\s*(?:at|chiocciola)\s*[\])}]\s*|\s+(?:at|chiocciola)\s+)"
_DOT = r"(?:\.|\s*[\[({]\s*(?:dot|punto)\s*[\])}]\s*|\s+(?:dot|punto)\s+)"
EMAIL = re.compile(rf"[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[a-z]{{2,12}}(?![\w])",
                   re.IGNORECASE | re.UNICODE)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
# Italian tax code, letters in place of digits for homocodes, a space allowed between
# its parts ("BRT FDR 85M41 D142Y"); a digit at least, so no run of words matches.
TAX_CODE = re.compile(
    r"\b[A-Z]{3}\s?[A-Z]{3}\s?[0-9LMNPQRSTUV]{2}\s?[A-EHLMPR-T]\s?[0-9LMNPQRSTUV]{2}\s?"
    r"[A-Z]\s?[0-9LMNPQRSTUV]{3}\s?[A-Z]\b", re.IGNORECASE)
_SEP = r"[\s./-]{0,2}"
# Italian numbers start with 0 (landlines) or 3 (mobiles), possibly after +39 or 0039
# and with the area code in brackets; others after a + and a country code. A date
# (03/05/2024) is not a phone number.
PHONE = re.compile(
    r"(?<![\w+])(?<!\d[./-])(?!\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?!\d))"
    rf"(?:(?:(?:\+|\b00)\s?39{_SEP})?"
    rf"(?:\(\s*0\d{{1,4}}\s*\){_SEP}\d(?:{_SEP}\d){{4,}}|[03]\d(?:{_SEP}\d){{4,}})"
    rf"|\+\s?\d{{1,3}}{_SEP}(?:\(\s*\d{{1,5}}\s*\){_SEP})?\d(?:{_SEP}\d){{5,}})"
    r"(?!\w)")
# A number alone is an employee number only after a word that says so.
_NUMBER_WORDS = r"(?:matricola|matr\.?|badge|tessera|n\.|nr\.?|numero|id)\s*[:°.]?\s*"


@dataclass(frozen=True)
class Roster:
    """What the scrubber learns from the rosters of the companies a comment comes from."""

    names: re.Pattern[str] | None
    refs: re.Pattern[str] | None


def roster_patterns(names: Iterable[str], refs: Iterable[str] = ()) -> Roster:
    return Roster(name_pattern(names), ref_pattern(refs))


def name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """The roster's names and each part of them (whole words), diacritics, case and
    apostrophes aside."""
    parts: set[str] = set()
    for name in names:
        parts.add(" ".join(name.split()))
        parts.update(re.split(rf"[\s\-{APOSTROPHES}]+", name))
        parts.update(name.split())
    kept = {_bare(part) for part in parts
            if sum(c.isalpha() for c in part) >= NAME_MIN}
    if not kept:
        return None
    ordered = sorted(kept, key=len, reverse=True)  # "Anna Maria" before "Anna"
    return re.compile(r"(?<!\w)(?:" + "|".join(map(_loose, ordered)) + rf")[{APOSTROPHES}]?"
                      r"(?!\w)", re.IGNORECASE)


def ref_pattern(refs: Iterable[str]) -> re.Pattern[str] | None:
    """The shapes of the roster's employee numbers: "MAT-0010" gives MAT, a separator or
    none, four digits, so "matricola mat 0011" goes too. Numbers alone need a word."""
    shapes = set()
    for ref in refs:
        ref = ref.strip()
        if not ref or not any(c.isdigit() for c in ref):
            continue
        shape = _ref_shape(ref)
        if ref.isdigit():
            shape = _NUMBER_WORDS + shape
        shapes.add(shape)
    if not shapes:
        return None
    ordered = sorted(shapes, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(ordered) + r")(?![\w])", re.IGNORECASE)


def _ref_shape(ref: str) -> str:
    pattern = ""
    for run in re.findall(r"\d+|[^\W\d_]+|[^\w]+|_", ref):
        if run.isdigit():
            pattern += rf"\d{{{len(run)}}}"
        elif run[0].isalpha():
            pattern += re.escape(run)
        else:
            pattern += r"[\s./_-]?"
    return pattern


def _bare(text: str) -> str:
    """Without diacritics: Ionuț → Ionut, Niccolò → Niccolo."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def _loose(bare: str) -> str:
    """A pattern for a bare name matching it with any diacritics, any apostrophe where it
    has one (D'Angelo, D’Angelo, D Angelo, DAngelo) and any spaces where it has some."""
    out = []
    for char in bare:
        if char.isspace():
            out.append(r"\s+")
        elif char in APOSTROPHES:
            out.append(rf"[{APOSTROPHES}\s]?")
        else:
            out.append(_letter(char))
    return "".join(out)


def _letter(char: str) -> str:
    """The letter with every accented form of it in Latin scripts (ț, ş, è, ñ, ł...)."""
    variants = _VARIANTS.get(char.lower(), "")
    return f"[{re.escape(char)}{variants}]" if variants else re.escape(char)


def _variants() -> dict[str, str]:
    found: dict[str, str] = {}
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[0].lower()
        if base.isascii() and base.isalpha() and base != char.lower():
            found[base] = found.get(base, "") + char
    found["l"] = found.get("l", "") + "łŁ"
    found["d"] = found.get("d", "") + "đĐ"
    return found


_VARIANTS = _variants()


def scrub(text: str, roster: Roster | None, marks: Mapping[str, str]) -> str:
    """`text` without e-mail addresses, IBANs, tax codes, employee numbers, phone numbers
    and roster names. `marks` gives the words put in their place, by kind: email, iban,
    tax_code, ref, phone, name."""
    text = EMAIL.sub(marks["email"], text)
    text = IBAN.sub(marks["iban"], text)
    text = TAX_CODE.sub(lambda m: marks["tax_code"] if re.search(r"\d", m.group())
                        else m.group(), text)
    if roster is not None and roster.refs is not None:
        text = roster.refs.sub(marks["ref"], text)
    text = PHONE.sub(marks["phone"], text)
    if roster is not None and roster.names is not None:
        text = roster.names.sub(marks["name"], text)
    return text
