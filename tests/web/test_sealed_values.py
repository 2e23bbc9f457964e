"""A page whose data holds a sealed value moved from another row says so plainly, and neither the page
nor the log shows the value."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text

from backend.models import ApiToken, Inspector, Role
from backend.services import accounts
from tests.support.sealed import swap
from tests.web.conftest import Site


def test_a_page_with_a_swapped_name_says_so_and_the_log_does_not_show_the_value(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    with site.database.transaction() as session:
        first, second = session.scalars(select(Inspector.id).order_by(Inspector.id).limit(2)).all()
        names = set(session.scalars(select(Inspector.name).where(Inspector.id.in_((first, second)))))
        swap(session, "name", first, second)
    client = site.client("admin")
    with caplog.at_level(logging.INFO):
        page = client.get("/admin")
    assert page.status_code == 500
    assert "piket keys verify" in page.text and "Internal Server Error" not in page.text
    assert "does not open: a value for inspectors.name of row" in caplog.text
    assert not any(name in caplog.text or name in page.text for name in names)


def test_the_api_answers_in_json_when_a_sealed_value_was_moved(site: Site) -> None:
    now = site.clock.now()
    with site.database.transaction() as session:
        _, mine = accounts.create_api_token(session, now, "test", "export Anne", Role.COORDINATOR)
        accounts.create_api_token(session, now, "test", "export Sjoerd", Role.COORDINATOR)
        first, second = session.scalars(select(ApiToken.id).order_by(ApiToken.id.desc()).limit(2)).all()
        session.execute(
            text("UPDATE api_tokens SET name = (SELECT name FROM api_tokens WHERE id = :a) WHERE id = :b"),
            {"a": first, "b": second},
        )
    answer = site.app.test_client().get("/api/v1/callouts", headers={"Authorization": f"Bearer {mine}"})
    assert answer.status_code == 500
    assert answer.json["error"] == "sealed_value_does_not_open"
    assert "Anne" not in answer.text and "Sjoerd" not in answer.text
