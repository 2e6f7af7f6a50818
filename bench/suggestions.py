"""Activity suggestions for every pupil at once: 1,500 pupils against 200 offers.

Times `civic.suggestions.suggest_all` (the batch the family page also uses, over data
already loaded) and measures its peak memory with tracemalloc. Pupils of 10 schools
and their families live in the program's towns; the offers (after-school, homework,
summer camps, sport, culture; free, fixed fee or ISEE bands; some full) are spread over
the same towns (`--towns 1` puts every family and offer in one town: every pupil is then
scored against all 200 offers). The baseline, in the same command: the least any
suggester must do, a loop over the same pupil x offer pairs of the pupil's towns that
checks the age and keeps the pair, with no scoring, no reasons and no sorting. Prints
both, the ratio, the peak memory and the suggestions made. Goal: under 1 s for all.

    .venv/bin/python bench/suggestions.py [--pupils 1500] [--offers 200] [--towns 4]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import tracemalloc
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LEGAMI_ENV", "test")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-bench-secret-key-0123456789")

TOWNS = ("Crema", "Cremona", "Casalmaggiore", "Soresina")
PATTERNS = ("both_working", "one_working", "shifts", "not_working", None)
CATEGORIES = ("after_school", "homework", "summer_camp", "sport", "culture", "language")
TODAY = date(2026, 11, 22)


def data(pupils: int, offers: int, towns: int) -> tuple[list, list]:
    from civic.suggestions.service import OfferFacts, PupilFacts

    rng = random.Random(7)
    places = TOWNS[:towns]
    schools = [rng.choice(places) for _ in range(10)]
    pupil_rows = []
    for n in range(pupils):
        school_town = schools[n % len(schools)]
        family_town = school_town if rng.random() < 0.7 else rng.choice(places)
        pupil_rows.append(PupilFacts(
            uuid4(), 2026 - rng.randint(4, 14), PATTERNS[(n // 3) % len(PATTERNS)],
            family_town if rng.random() > 0.05 else "", school_town,
            rng.choice(("it", "it", "it", "ar", "ro", "uk"))))
    offer_rows = []
    for n in range(offers):
        category = CATEGORIES[n % len(CATEGORIES)]
        low = rng.randint(3, 11)
        starts = TODAY + timedelta(days=rng.randint(-60, 200))
        cost = ("free", "fixed", "isee")[n % 3]
        offer_rows.append(OfferFacts(
            id=uuid4(), title=f"Attività {n}", category=category, town=places[n % len(places)],
            min_age=low, max_age=low + rng.randint(2, 5),
            days=tuple(sorted(rng.sample(range(7 if category == "sport" else 5),
                                         rng.randint(1, 3)))),
            start_time=rng.choice(("08:30", "14:00", "14:30", "16:30", "17:00", "19:00")),
            end_time="18:30", starts_on=starts, ends_on=starts + timedelta(days=90),
            cost_kind=cost, cost_cents=3500 if cost == "fixed" else 0,
            fee_cents=(0, 1500, 3000) if cost == "isee" else (),
            languages=("it", "ar") if n % 5 == 0 else ("it",),
            places_left=0 if n % 7 == 0 else rng.randint(1, 20)))
    return pupil_rows, offer_rows


def baseline(pupils: list, offers: list) -> tuple[float, int]:
    """The same pairs, age check only: seconds and pairs kept."""
    started = time.perf_counter()
    by_town = defaultdict(list)
    for offer in offers:
        by_town[offer.town.casefold()].append(offer)
    kept = 0
    for pupil in pupils:
        towns = {pupil.town.casefold(), pupil.school_town.casefold()} - {""}
        found = []
        for town in towns:
            for offer in by_town.get(town, ()):
                age = (offer.starts_on or TODAY).year - pupil.birth_year
                if offer.min_age <= age <= offer.max_age:
                    found.append((pupil.id, offer.id))
        kept += len(found)
    return time.perf_counter() - started, kept


def measured(pupils: list, offers: list) -> tuple[float, int]:
    from civic.suggestions.service import suggest_all

    started = time.perf_counter()
    found = suggest_all(pupils, offers, today=TODAY)
    return time.perf_counter() - started, sum(len(items) for items in found.values())


def peak_memory(pupils: list, offers: list) -> int:
    from civic.suggestions.service import suggest_all

    tracemalloc.start()
    found = suggest_all(pupils, offers, today=TODAY)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del found
    return peak


def main(pupils: int, offers: int, towns: int, runs: int) -> None:
    from app.i18n import use_language

    pupil_rows, offer_rows = data(pupils, offers, towns)
    with use_language("it"):
        measured(pupil_rows, offer_rows)  # warm up: catalogs, Babel data
        timed = [measured(pupil_rows, offer_rows) for _ in range(runs)]
        memory = peak_memory(pupil_rows, offer_rows)
    base = [baseline(pupil_rows, offer_rows) for _ in range(runs)]
    seconds = statistics.median(run[0] for run in timed)
    base_s = statistics.median(run[0] for run in base)
    print(f"suggestions: {pupils} pupils x {offers} offers in {towns} towns, median of {runs}")
    print(f"  suggest_all:            {seconds * 1000:8.1f} ms  ({timed[0][1]} suggestions, "
          f"{timed[0][1] / pupils:.1f} per pupil)")
    print(f"  peak memory:            {memory / 1024 / 1024:8.1f} MiB  (tracemalloc)")
    print(f"  baseline age-only loop: {base_s * 1000:8.1f} ms  ({base[0][1]} pairs kept)")
    print(f"  ratio / baseline:       {seconds / base_s:8.2f}")
    print(f"  goal under 1 s:         {'met' if seconds < 1 else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=1500)
    parser.add_argument("--offers", type=int, default=200)
    parser.add_argument("--towns", type=int, default=4, choices=range(1, len(TOWNS) + 1))
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    main(arguments.pupils, arguments.offers, arguments.towns, arguments.runs)
