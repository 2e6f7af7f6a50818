"""Italian that reads as Italian on the community pages (issue 18): places left are
"Liberi" (not "Gratuito", the cost), a lab is "Attivo"/"Chiuso" (laboratorio is masculine),
and counts agree with their number."""

from __future__ import annotations

from uuid import UUID

from app.i18n import ngettext, pgettext, use_language
from community.initiatives import service as initiatives
from community.taxonomy.needs import NeedRef
from tests.community.initiatives.test_initiatives import caller, company_initiative, make_world
from tests.factories import sign_in


def test_the_catalog_tells_apart_what_english_says_with_one_word() -> None:
    with use_language("it"):
        assert pgettext("places left", "Free") == "Liberi"
        assert pgettext("places", "Full") == "Al completo"
        assert (pgettext("lab", "Active"), pgettext("lab", "Closed")) == ("Attivo", "Chiuso")
        assert (pgettext("initiative", "Closed"), pgettext("initiative", "Ended")) == (
            "Chiusa", "Conclusa")
        assert ngettext("%(num)s answered", "%(num)s answered", 1) % {"num": 1} == "1 risposta"
        assert ngettext("For %(num)s child:", "For %(num)s children:", 1) % {
            "num": 1} == "Per 1 bambino:"
        assert ngettext("%(num)s of %(n)s people", "%(num)s of %(n)s people", 1) % {
            "num": 1, "n": 10} == "1 persona su 10"


async def test_places_left_read_liberi_and_a_free_cost_gratuito(client) -> None:
    world = await make_world()
    need = NeedRef(wave_id=UUID(int=1), group_key=f"company:{world.a}",
                   group_label="Officine Rossi", area="commuting", area_label="Pendolarismo",
                   question="commute", option="bus", label="Abbonamento al bus",
                   count=1, n=10, share=0.1)
    made = await company_initiative(world, needs=[need])
    assert (await initiatives.get_initiative(await caller(world.hr_a), made)).cost_cents == 0
    for user in (world.hr_a, world.staff):
        await sign_in(client, user)
        page = (await client.get(f"/initiatives/{made}")).text
        assert "<dt>Liberi</dt>" in page and "<dt>Gratuito</dt>" not in page, user
        assert "<dd>Gratuito</dd>" in page  # the cost
    assert "1 persona su 10" in page
