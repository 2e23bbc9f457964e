"""A refused admin form comes back as typed, its refusal next to the field in the user's language (not a
redirect that loses the input); and codes shown to an English reader are English words."""

from __future__ import annotations

import html

from sqlalchemy import select

from backend.models import Inspector, Municipality
from tests.web.conftest import Site


def test_a_refused_new_inspector_keeps_what_was_typed_and_says_why_at_the_field(site: Site) -> None:
    admin = site.client("admin")
    with site.database.transaction() as session:
        heerenveen = select(Municipality.id).where(Municipality.name == "Heerenveen")
        employer = session.execute(heerenveen).scalar_one()
        before = len(session.execute(select(Inspector.id)).all())
    refused = admin.post(
        "/admin/inspectors",
        data={
            "name": "Marijke Zwart",
            "first_name": "Marijke",
            "employer_id": employer,
            "salary_scale": "99",
            "salary_step": "3",
            "gender": "f",
            "trained_since": "2026-11-01",
        },
    )
    assert refused.status_code == 422, "the page again, not a redirect"
    page = html.unescape(refused.text)
    form = page[page.index('id="add-inspector"') : page.index("</form>", page.index('id="add-inspector"'))]
    assert 'value="Marijke Zwart"' in form and 'value="99"' in form and 'value="2026-11-01"' in form
    assert f'value="{employer}" selected' in form and 'value="f" selected' in form
    assert 'class="problem" role="alert"' in form, "the refusal next to the field"
    with site.database.transaction() as session:
        assert len(session.execute(select(Inspector.id)).all()) == before, "nothing was added"


def test_a_refused_token_and_designation_keep_their_input(site: Site) -> None:
    admin = site.client("admin")
    refused = admin.post(
        "/admin/designations",
        data={
            "inspector_id": "999",
            "municipality_id": "1",
            "decision_reference": "besluit 2027/14",
            "valid_from": "2027-01-01",
        },
    )
    assert refused.status_code in (404, 422)
    page = html.unescape(refused.text)
    form = page[page.index('id="add-designation"') :]
    assert 'value="besluit 2027/14"' in form and 'value="999"' in form and 'role="alert"' in form
    refused = admin.post("/admin/tokens", data={"name": "", "role": "finance"})
    assert refused.status_code == 422
    form = refused.text[refused.text.index('id="add-token"') :]
    assert 'value="finance" selected' in form and 'role="alert"' in form


def test_codes_read_as_english_words_in_english(site: Site) -> None:
    coordinator = site.client("coordinator")
    coordinator.set_cookie("piket_lang", "en")
    page = coordinator.get("/finance/ledger?period_start=2027-01-01&period_end=2027-12-31").text
    assert ">call-out<" in page and ">callout<" not in page
    assert ">oproep<" not in page
