"""Schemathesis with every check (`--checks all`) over the API: no server error and no mismatch with the
OpenAPI document, valid and invalid input alike. A fixed seed and a bounded number of examples keep it
repeatable and under a minute."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS
from schemathesis.config import SchemathesisConfig

from backend.models import Role
from backend.web.api import OPERATIONS
from tests.support.web import token
from tests.web.conftest import Site

EXAMPLES = 12
"""Per operation and mode: 12 operations x 2 modes x 12 examples."""
CONFIG = SchemathesisConfig.from_str("""
[checks.positive_data_acceptance]
expected-statuses = ["2XX", "401", "403", "404", "409", "422"]
""")
"""A well-formed request may still be refused by rules JSON Schema cannot state: across fields (a period
of at most a year, an end after its start) or about the data (a window in the past, a period not over).
The API answers those with 422 naming the field, as its document says; every other check is as is."""


@pytest.fixture
def bearer(shared_site: Site) -> dict[str, str]:
    """The coordinator's token: the one role that may use every operation of the API."""
    return {"Authorization": f"Bearer {token(shared_site, Role.COORDINATOR)}"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_check_holds_for_generated_input(
    shared_site: Site, bearer: dict[str, str], mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", shared_site.app, config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(OPERATIONS)
    checks = CHECKS.get_all()
    for operation in operations:

        @seed(20261202)
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def call(case: Any) -> None:
            # A case that tests the API without its token must go without it.
            headers = {} if schema.is_security_param_negated(case) else bearer
            case.call_and_validate(headers=headers, checks=checks)

        call()


def test_what_the_document_states_the_api_holds_to(shared_site: Site, bearer: dict[str, str]) -> None:
    """The mismatches schemathesis found, one by one: an unknown parameter, a day outside 2020-2100 or
    written as a number, a time with a zone; each a 422 naming the field, as the document says."""
    client = shared_site.app.test_client()
    document = client.get("/api/v1/openapi.json").json
    day = document["components"]["schemas"]["CalloutIn"]["properties"]["day"]
    assert day["pattern"].startswith("^(20[2-9][0-9]|2100)-")
    unknown = client.get("/api/v1/callouts?pgae=2", headers=bearer)
    assert unknown.status_code == 422 and unknown.json["problems"] == [
        {"field": "pgae", "message": "unknown parameter"}
    ]
    body = {
        "municipality_id": 3,
        "source": "mma",
        "day": "2027-03-10",
        "start": "14:00",
        "end": "22:00",
        "location": "Stationsweg 1",
    }
    for field, wrong in (
        ("day", "2000-01-01"),
        ("day", 20270310),
        ("start", "14:00Z"),
        ("end", 1400),
        ("start", "14:00:30"),
    ):
        refused = client.post("/api/v1/callouts", headers=bearer, json=body | {field: wrong})
        assert refused.status_code == 422, (field, wrong)
        assert field in {p["field"] for p in refused.json["problems"]}, (field, wrong)
