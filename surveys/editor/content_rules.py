"""What a survey must never ask: political, religious or union opinions.

An employer may not inquire, even through third parties, into a worker's political,
religious or union opinions (Statuto dei Lavoratori, art. 8). Every write of a survey
runs `check`, which refuses any text, in any of its languages, holding a word from the
lists below (Italian and English, matched on whole words, ignoring case and accents).

This is a safeguard, not a guarantee: a list of words catches the obvious question
("Sei iscritto a un sindacato?") and misses a clever rewording, and it can refuse an
innocent sentence ("il voto in pagella"). Whoever designs a survey stays responsible
for what it asks; the refusal names the word so that the question can be rephrased.
Words that are ambiguous in everyday use are left out on purpose: "politiche di
conciliazione", "partita IVA", "party", "RSA" (a care home), "si prega di", "chiese" (also
"asked"), and the parish or church that runs many summer camps and after-schools.
"""

from __future__ import annotations

import re
import unicodedata

from app.i18n import _
from surveys.definition import Definition, all_texts

ITALIAN = [
    r"partit[oi]", r"sindacat\w*", r"sindacal\w*", r"rsu", r"cgil", r"cisl", r"uil", r"ugl",
    r"scioper\w*", r"religion\w*", r"religios\w*", r"fede", r"credent\w*", r"ate[oia]",
    r"agnostic\w*", r"preghier\w*", r"moschea", r"sinagoga", r"vot[oiae]", r"votar\w*",
    r"votat\w*", r"votazion\w*", r"elezion\w*", r"elettoral\w*",
    r"(?:opinion|ide|orientament|convinzion|simpati|appartenenz|preferenz)\w*\s+politic\w*",
]
ENGLISH = [
    r"unions?", r"union(?:ised|ized|ism|ist|ists)", r"trade unions?", r"shop stewards?",
    r"strikes?", r"political", r"politics", r"politicians?", r"religio\w*", r"faith\w*",
    r"mosques?", r"synagogues?", r"pray\w*", r"atheis\w*",
    r"god", r"votes?", r"voted", r"voting", r"voters?", r"elections?", r"electoral",
    r"ballots?",
]
PATTERN = re.compile(r"\b(?:" + "|".join(ITALIAN + ENGLISH) + r")\b")


def _folded(text: str) -> str:
    """Lowercase without accents, so that "Religióne" and "religione" match alike."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def forbidden_words(text: str) -> list[str]:
    """The words of `text` that name political, religious or union matters."""
    return [match.group(0) for match in PATTERN.finditer(_folded(text))]


def check(definition: Definition) -> dict[str, str]:
    """Refusals by field path (as `definition.problems` names them), in the caller's
    language; empty when no text of the survey touches a forbidden subject."""
    found: dict[str, str] = {}
    for _stable, path, texts in all_texts(definition):
        for language, text in texts.items():
            if words := forbidden_words(text):
                found[f"{path}.{language}"] = _(
                    "Surveys never ask about political, religious or union opinions "
                    "(Statuto dei Lavoratori, art. 8). Rephrase without “{word}”."
                ).format(word=words[0])
    return found
