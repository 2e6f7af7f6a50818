"""Consents of the fictional demo families (legami/demo/seed.py): privacy notice version 1 in
Italian and English, a parent's consent (or, now and then, a 14-year-old's own) for most
demo pupils, a photo release for some, and a retention date for every demo family.

Run after `app.demo.seed_demo`: it finds the demo schools by name. Safe to run again:
pupils who already have a consent and families with a retention date are left alone.
"""

from __future__ import annotations

import random
from datetime import timedelta

from app.clock import now
from app.db import transaction
from app.tables import Organization
from app.values import as_uuid
from civic.consents.service import may_consent_alone
from civic.families.retention import schedule_retention
from civic.families.service import retention_end
from civic.tables import Consent, ConsentNotice, Family, Pupil

RANDOM_SEED = 2026_07
VERSION = "1"
RETENTION_MONTHS = 24
CONSENTED = 0.88
OWN_CONSENT = 0.3  # of the pupils surely aged 14 or more (15 this year)
PHOTO_RELEASE = 0.7
BATCH = 500
TEXT_IT = """Informativa sul trattamento dei dati delle famiglie (versione dimostrativa)

La scuola comunica a FareLegami solo il nome dell'adulto di riferimento, un recapito, la
lingua, il comune e, se la famiglia lo desidera, l'orario di lavoro dei genitori; per
ogni alunno il nome, l'anno di nascita e la classe. I dati servono a proporre attività
dei Civic Center e non sono usati senza il consenso di un genitore (o dell'alunno, dai
14 anni). La liberatoria per foto e video è una scelta a parte. I dati sono cancellati
24 mesi dopo la fine dell'anno scolastico. Il consenso si può revocare in ogni momento
rivolgendosi alla scuola."""
TEXT_EN = """Notice on the processing of families' data (demo version)

The school gives FareLegami only the reference adult's name, a way to reach them, their
language and town and, if the family wishes, the parents' working pattern; for each
pupil the first name, birth year and class. The data is used to propose Civic Center
activities and is not used without a parent's consent (or the pupil's own, from 14).
The photo and video release is a separate choice. The data is deleted 24 months after
the end of the school year. Consent can be withdrawn at any time through the school."""


async def _notice_id() -> int:
    row = await ConsentNotice.select(ConsentNotice.id).where(
        ConsentNotice.version == VERSION).first()
    if row:
        return int(row["id"])
    notice = ConsentNotice(version=VERSION, text_it=TEXT_IT, text_en=TEXT_EN,
                           retention_months=RETENTION_MONTHS, published_at=now())
    await notice.save()
    return int(notice.id)


async def seed_demo_consents() -> int:
    """Publish notice version 1, record consents for most demo pupils and give each demo
    family its retention date, once; return how many demo pupils have a consent."""
    from legami.demo.seed import SCHOOLS  # late: app.demo may import this module

    schools = await Organization.select(Organization.id, Organization.name).where(
        (Organization.kind == "school") & Organization.name.is_in([s.name for s in SCHOOLS]))
    names = {as_uuid(row["id"]): row["name"] for row in schools}
    if not names:
        return 0
    school_ids = list(names)
    rng = random.Random(RANDOM_SEED)
    moment = now()
    async with transaction():
        notice_id = await _notice_id()
        await Family.update({Family.retain_until: retention_end(moment.date(),
                                                                RETENTION_MONTHS)}).where(
            Family.school.is_in(school_ids) & Family.retain_until.is_null())
        pupils = sorted(await Pupil.select(
            Pupil.id, Pupil.first_name, Pupil.birth_year, Pupil.family.reference_adult,
            Pupil.family.family_ref, Pupil.family.school,
        ).where(Pupil.family.school.is_in(school_ids)), key=lambda p: (
            names[as_uuid(p["family.school"])], p["family.family_ref"], p["first_name"],
            p["birth_year"]))
        family_pupils = Pupil.select(Pupil.id).where(Pupil.family.school.is_in(school_ids))
        done = {as_uuid(row["pupil"]) for row in await Consent.select(Consent.pupil).where(
            Consent.pupil.is_in(family_pupils))}
        consents = []
        for pupil in pupils:
            draw = (rng.random(), rng.random(), rng.random(), rng.randrange(90))
            if as_uuid(pupil["id"]) in done or draw[0] >= CONSENTED:
                continue
            own = may_consent_alone(pupil["birth_year"]) and draw[1] < OWN_CONSENT
            consents.append(Consent(
                pupil=pupil["id"], notice=notice_id,
                given_by=pupil["first_name"] if own else pupil["family.reference_adult"],
                given_by_role="pupil" if own else "parent",
                given_at=moment - timedelta(days=draw[3]), photo_release=draw[2] < PHOTO_RELEASE))
        for start in range(0, len(consents), BATCH):
            await Consent.insert(*consents[start:start + BATCH])
        await schedule_retention()
    return len(done) + len(consents)
