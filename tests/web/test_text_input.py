"""Text at the door: NFC, no control or invisible characters, nothing empty that looked full; and what
was stored before that still exports, without its values in the log (issue 16, findings 4 and 13)."""

from __future__ import annotations

import io
import logging
import sys
from typing import Any, get_args

import openpyxl
import pytest
from openpyxl.utils.exceptions import IllegalCharacterError
from pydantic import ValidationError
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from backend import logs
from backend import text as door
from backend.db import Database
from backend.models import Inspector, Municipality, Role
from backend.web import schemas
from tests.support.web import SHARE, SHARED, YEAR, book_hours, token
from tests.web.conftest import Site

INVISIBLE = ["\x00\x00\x00", "\u200b\u200b\u200b", "\u202e\u2066\ufeff", "\x0b\x1f\x7f"]


def test_the_door_cleans_control_and_invisible_characters_and_composes() -> None:
    assert door.clean("Anne\x0bde Vries") == "Anne de Vries", "a vertical tab from Word is a space"
    assert door.clean("Jo\u0308rn\u200b \u202eDijkstra\x00") == "Jörn Dijkstra"
    assert door.clean("Leeuwarden\u2028Noord\t") == "Leeuwarden Noord"
    assert (
        door.clean_lines("Leeuwarden 1-1-2027\u200b\r\nHeerenveen\x0b1-1-2027")
        == "Leeuwarden 1-1-2027\nHeerenveen 1-1-2027"
    ), "a cell's list keeps its lines"
    assert all(door.is_only_invisible(value) for value in INVISIBLE)
    assert not door.is_only_invisible("") and not door.is_only_invisible("  ")


def text_fields() -> list[tuple[type[schemas.Input], str]]:
    """Every text field of every input model (forms and API alike)."""
    found = []
    for model in schemas.Input.__subclasses__() + [
        m for s in schemas.Input.__subclasses__() for m in s.__subclasses__()
    ]:
        for name, field in model.model_fields.items():
            if field.annotation is str or str in get_args(field.annotation):
                found.append((model, name))
    return sorted(set(found), key=lambda pair: (pair[0].__name__, pair[1]))


@pytest.mark.parametrize(("model", "field"), text_fields(), ids=lambda v: getattr(v, "__name__", v))
def test_every_text_field_refuses_a_value_of_only_invisible_characters(
    model: type[schemas.Input], field: str
) -> None:
    for value in INVISIBLE:
        with pytest.raises(ValidationError) as refused:
            model.model_validate({field: value})
        problems = {e["loc"][0]: e["msg"] for e in refused.value.errors()}
        assert problems[field] == "Value error, only invisible or control characters", (field, value)
    assert model._clean_text("Anne\x0bde\u200b Vries\u202e") == "Anne de Vries"


def test_a_callout_at_three_nuls_or_for_a_zero_width_reason_is_refused(shared_site: Site) -> None:
    headers = {"Authorization": f"Bearer {token(shared_site, Role.COORDINATOR)}"}
    client = shared_site.app.test_client()
    callout = {
        "municipality_id": 1,
        "source": "police",
        "day": "2027-03-10",
        "start": "21:00",
        "end": "23:00",
        "location": "\x00\x00\x00",
    }
    refused = client.post("/api/v1/callouts", headers=headers, json=callout)
    assert refused.status_code == 422 and refused.json["problems"][0]["field"] == "location"
    correction = {"day": "2027-03-02", "start": "14:00", "end": "22:00", "reason": "\u200b\u200b\u200b"}
    refused = client.post("/api/v1/hours/1/correct", headers=headers, json=correction)
    assert refused.status_code == 422 and refused.json["problems"][0]["field"] == "reason"


def test_a_pasted_name_is_stored_clean(site: Site) -> None:
    with site.database.transaction() as session:
        employer = session.execute(
            select(Municipality.id).where(Municipality.name == "Heerenveen")
        ).scalar_one()
    added = site.client("admin").post(
        "/admin/inspectors",
        data={
            "name": "Anne\x0bde Vries\u202e",
            "first_name": "Anne\u200b",
            "employer_id": employer,
            "salary_scale": "7",
            "salary_step": "3",
            "gender": "f",
        },
    )
    assert added.status_code == 302
    with site.database.transaction() as session:
        made = session.execute(select(Inspector).order_by(Inspector.id.desc())).scalars().first()
        assert made is not None and made.name == "Anne de Vries"


def test_values_stored_before_the_door_was_cleaned_still_export(site: Site) -> None:
    book_hours(site)
    with site.database.transaction() as session:
        anne = session.get_one(Inspector, 2)
        anne.name, employer = "Anne\x0bde\x00 Vries", anne.employer_id
        place = session.execute(select(Municipality).where(Municipality.name == "Heerenveen")).scalar_one()
        place.name = "Heeren\x0bveen\u202e"
    client = site.client("finance")
    # the ledger names the place; names of people are only in the payroll export
    exports = (
        ("/finance/ledger.xlsx", "Heeren veen"),
        (f"/finance/payroll/{employer}.xlsx", "Anne de Vries"),
    )
    for path, shown in exports:
        answer = client.get(path, query_string={**YEAR, **SHARED})
        assert answer.status_code == 200, path
        cells = {
            c
            for row in openpyxl.load_workbook(io.BytesIO(answer.data), read_only=True).active.iter_rows(
                values_only=True
            )
            for c in row
        }
        assert shown in cells, path
    exported = client.get(f"/finance/payroll/{employer}.csv", query_string={**YEAR, **SHARED}).text
    assert "Anne de Vries" in exported and "\x0b" not in exported
    assert client.get(f"/finance/settlement.xlsx?year=2027&{SHARE}").status_code == 200


def logged(message: str) -> str:
    """The line the log would print for the exception being handled."""
    record = logging.LogRecord("piket.web", logging.ERROR, __file__, 1, message, None, sys.exc_info())
    return logs.WithoutValues(logs.FORMAT).format(record)


def test_a_logged_exception_names_its_type_not_its_values() -> None:
    try:
        name = "".join(("Anne", "\x0bde Vries"))
        raise IllegalCharacterError(f"{name} cannot be used in worksheets.")
    except IllegalCharacterError:
        line = logged("export failed")
    assert "IllegalCharacterError" in line and "Anne" not in line


def test_a_database_error_is_logged_without_its_parameters_or_row(migrated_database: Database) -> None:
    statement = text("INSERT INTO municipalities (id, name) VALUES (:id, :name)")
    values: dict[str, Any] = {"id": 1, "name": "Hessel de Boer"}
    with pytest.raises(IntegrityError) as failed, migrated_database.engine.begin() as connection:
        try:
            connection.execute(statement, values)
        except IntegrityError:
            line = logged("request failed")
            raise
    assert "parameters hidden" in str(failed.value)  # PostgreSQL's own detail still names the row: not logged
    assert "IntegrityError" in line and "Hessel" not in line


@pytest.mark.parametrize(("model", "field"), text_fields(), ids=lambda v: getattr(v, "__name__", v))
def test_a_value_longer_than_stated_is_refused_even_where_cleaning_would_shorten_it(
    model: type[schemas.Input], field: str
) -> None:
    limits = [m.max_length for m in model.model_fields[field].metadata if hasattr(m, "max_length")]
    if not limits:
        return  # no length stated for this field
    with pytest.raises(ValidationError) as refused:
        model.model_validate({field: "\x00" + "a" * limits[0]})  # cleaned, it would fit
    assert {e["loc"][0]: e["type"] for e in refused.value.errors()}[field] == "string_too_long"
    try:
        model.model_validate({field: "a" * limits[0]})
    except ValidationError as other:
        assert (field, "string_too_long") not in {(e["loc"][0], e["type"]) for e in other.errors()}
