"""Every family reached: a printed A4 letter with a QR code and a short code when there is
no e-mail, in the family's language (Arabic right to left) with an Italian copy, and
Italian with an English line when the program has no translation yet."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from docx import Document

from civic.referrals import service as referrals
from civic.referrals.messages import available, family_texts
from civic.referrals.schemas import ReferralCreate
from civic.tables import Referral
from tests.civic.referrals.world import as_caller, make_activity, make_family, make_world
from tests.factories import sign_in

EN = {"accept-language": "en"}


@pytest.fixture
async def world() -> Any:
    return await make_world()


async def letter_family(world: Any, language: str, name: str = "Amir") -> tuple[Any, Any]:
    info = await make_activity(world)
    family, (pupil,) = await make_family(world, email=None, language=language,
                                         pupils=((name, 8),))
    referral = await referrals.propose(await as_caller(world.coord_a), world.school_a,
                                       ReferralCreate(pupil, info.id))
    return info, referral


async def print_letter(client: Any, world: Any, referral_id: Any) -> Any:
    await sign_in(client, world.coord_a)
    return await client.get(
        f"/schools/{world.school_a}/referrals/{referral_id}/letter.docx", headers=EN)


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def code_of(text: str) -> str:
    line = next(line for line in text.split("\n") if line.count("-") == 2 and len(line) == 12)
    return line.replace("-", "")


async def test_an_arabic_family_without_e_mail_gets_an_a4_letter_with_qr_and_code(
        world: Any, client: Any) -> None:
    _info, referral = await letter_family(world, "ar")
    response = await print_letter(client, world, referral.id)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    document = Document(io.BytesIO(response.content))
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    text = docx_text(response.content)
    assert "تقترح مدرسة IC Crema Uno على Amir" in text  # Arabic first
    assert "la scuola IC Crema Uno propone a Amir" in text  # then the Italian copy
    xml = zipfile.ZipFile(io.BytesIO(response.content)).read("word/document.xml").decode()
    assert "<w:bidi/>" in xml and "<w:rtl/>" in xml  # written right to left
    assert len(document.inline_shapes) == 1  # the QR code
    code = code_of(text)
    assert f"https://testserver.local/f/{code}" in text
    # The code opens the family's page, typed as people type it.
    typed = await client.get(f"/f?code={code[:4].lower()} {code[4:]}",
                             follow_redirects=False)
    assert typed.status_code == 303 and typed.headers["location"] == f"/f/{code}"
    page = await client.get(f"/f/{code}")
    assert page.status_code == 200
    # The page is in Arabic (issue 17); its Italian version carries the Arabic lines.
    assert '<html lang="ar" dir="rtl">' in page.text and "نشاط من أجل" in page.text
    italian = await client.get(f"/f/{code}?lang=it")
    assert 'lang="ar" dir="rtl"' in italian.text and "تقترح مدرسة" in italian.text
    # Printing again makes a new code: the earlier letter stops working.
    again = docx_text((await print_letter(client, world, referral.id)).content)
    assert code_of(again) != code
    assert (await client.get(f"/f/{code}")).status_code == 404


async def test_a_language_without_translation_is_italian_with_the_english_line(
        world: Any, client: Any) -> None:
    assert "sq" not in available()
    texts = family_texts("sq")
    assert texts.language == "it" and not texts.complete
    _info, referral = await letter_family(world, "sq", name="Arben")
    text = docx_text((await print_letter(client, world, referral.id)).content)
    assert text.count("la scuola IC Crema Uno propone a Arben") == 1  # no second copy
    assert "This letter is in Italian because it is not yet translated" in text


async def test_only_a_proposal_waiting_for_an_answer_has_a_letter(world: Any, client: Any
                                                                  ) -> None:
    _info, referral = await letter_family(world, "it")
    await Referral.update({Referral.status: "withdrawn"}).where(Referral.id == referral.id)
    response = await print_letter(client, world, referral.id)
    assert response.status_code == 422
    assert "there is no letter to print" in response.text


async def test_another_school_gets_404_for_the_letter(world: Any, client: Any) -> None:
    _info, referral = await letter_family(world, "it")
    await sign_in(client, world.coord_b)
    response = await client.get(
        f"/schools/{world.school_a}/referrals/{referral.id}/letter.docx")
    assert response.status_code == 404
    response = await client.get(
        f"/schools/{world.school_b}/referrals/{referral.id}/letter.docx")
    assert response.status_code == 404
    assert await Referral.select(Referral.token_hash).first() == {"token_hash": None}


async def test_a_mistyped_code_is_explained(client: Any) -> None:
    response = await client.get("/f?code=ABC", headers=EN)
    assert response.status_code == 422
    assert "Type the 10 letters and digits" in response.text
    assert (await client.get("/f", headers=EN)).status_code == 200
