"""The comment scrubber on a corpus of Italian comments: what must go, what must stay.

The roster is a company's own: names with diacritics and apostrophes, employee numbers
in its format. Each must-scrub sentence carries something that could name a person;
each must-keep sentence is ordinary Italian (times, dates, amounts, ages, places) that
must come out unchanged.
"""

from __future__ import annotations

import pytest

from surveys.results.scrubber import roster_patterns, scrub

ROSTER = roster_patterns(
    ["Ionuț Popescu", "Giada D'Angelo", "Niccolò Ferri", "Giulia Bianchi", "Zoë Müller",
     "Ana-Maria Ștefănescu", "Luca Li"],
    ["MAT-0010", "MAT-0011", "MAT-1234"])
MARKS = {"email": "[e-mail]", "iban": "[iban]", "tax_code": "[cf]", "ref": "[matr]",
         "phone": "[tel]", "name": "[nome]"}

MUST_SCRUB = [
    # names: any case, without diacritics, with ' or ’, an apostrophe for an accent
    ("Ionut mi ha aiutato con i turni", "Ionut"),
    ("ne ho parlato con IONUȚ", "IONUȚ"),
    ("popescu lo sa bene", "popescu"),
    ("chiedete a D’Angelo", "Angelo"),
    ("chiedete a D'Angelo", "Angelo"),
    ("chiedete a Dangelo", "Dangelo"),
    ("Niccolo' è il responsabile", "Niccolo"),
    ("Niccolò è il responsabile", "Niccolò"),
    ("la collega Zoe Muller", "Muller"),
    ("Ana Maria Stefanescu del magazzino", "Stefanescu"),
    ("Giulia Bianchi, reparto logistica", "Bianchi"),
    # phones
    ("chiamatemi al (0372) 456789", "456789"),
    ("tel. 0372 456789", "456789"),
    ("0372.45.67.89 dopo le 18", "45.67"),
    ("0372/456789", "456789"),
    ("0372-456789", "456789"),
    ("+39 0372 456789", "456789"),
    ("+39 333 123 4567", "4567"),
    ("0039 3331234567", "3331234567"),
    ("cell 333-1234567", "1234567"),
    ("3331234567 anche whatsapp", "3331234567"),
    ("+39 (0372) 45 67 89", "67 89"),
    ("333 12 34 567", "34 567"),
    ("+41 79 123 45 67 in Svizzera", "45 67"),
    # tax codes
    ("il mio codice è BRTFDR85M41D142Y", "D142Y"),
    ("BRT FDR 85M41 D142Y", "D142Y"),
    ("brtfdr85m41d142y", "d142y"),
    ("omocodia BRTFDR85M41D1MNY", "D1MNY"),
    # e-mail and its disguises
    ("scrivete a lc.1987@gmail.com", "1987"),
    ("lc.1987 [at] gmail.com", "1987"),
    ("lc.1987 (at) gmail (dot) com", "1987"),
    ("lc.1987 at gmail dot com", "1987"),
    ("mario.rossi chiocciola libero punto it", "mario.rossi"),
    ("mario.rossi[at]libero[dot]it", "mario.rossi"),
    ("anna {at} tiscali.it", "tiscali"),
    # employee numbers in the roster's own format
    ("matricola MAT-0010", "0010"),
    ("la mia è mat 0099", "0099"),
    ("MAT0011 in produzione", "0011"),
    ("mat.1234", "1234"),
    # IBANs
    ("IBAN IT60 X054 2811 1010 0000 0123 456 per il rimborso", "X054"),
    ("IT60X0542811101000000123456", "X054"),
]

MUST_KEEP = [
    "Serve un centro estivo per i bambini di 6-10 anni, orario 7:30-18:00.",
    "Dal 03/05/2024 al 15.06.2024 servirebbe un nido aziendale.",
    "Dalle 8.30 alle 17.30 non riesco a portare i figli a scuola.",
    "Costa 1.500 euro all'anno, 25 posti sono pochi.",
    "Nel 2023-2024 il servizio mensa è migliorato.",
    "Lavoro a Crema e abito a Cremona, 40 km al giorno.",
    "Mia madre ha 82 anni e ha bisogno di assistenza.",
    "Vorrei lo smart working almeno 2 giorni a settimana.",
    "L'asilo chiude alle 16: che facciamo fino alle 18?",
    "Punto di ritiro vicino alla stazione, grazie.",
    "Una navetta dalla stazione, a che ora passa?",
    "Il contratto del 1° gennaio prevede 38 ore.",
    "Il CAP è 26100 e la via è lunga.",
    "Ho tre figli: 3, 7 e 11 anni.",
    "Più flessibilità in entrata e uscita.",
    "Bianco o nero, per me va bene.",
    "Giulio e Angela non sono nel roster.",
    "Li ringrazio tutti.",
    "Costi in aumento del 10% rispetto al 2022.",
    "Un nido a 0,5 km dall'azienda sarebbe perfetto.",
]


@pytest.mark.parametrize(("comment", "trace"), MUST_SCRUB)
def test_what_could_name_a_person_is_scrubbed(comment: str, trace: str) -> None:
    scrubbed = scrub(comment, ROSTER, MARKS)
    assert trace.lower() not in scrubbed.lower(), scrubbed
    assert "[" in scrubbed


@pytest.mark.parametrize("comment", MUST_KEEP)
def test_ordinary_italian_survives(comment: str) -> None:
    assert scrub(comment, ROSTER, MARKS) == comment
