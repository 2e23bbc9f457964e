"""Every page each role may open renders on each database, with real ids in its address, and reads
in Dutch with one h1: no text of the catalog left in English, no code names. (How it looks on a phone
and a laptop, and whether it is accessible, is the browser's test, on SQLite.)"""

from __future__ import annotations

import pytest

from tests.support.pages import ROLES, ids_for_addresses, pages_of, reading_faults
from tests.web.conftest import Site


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_renders_in_dutch_with_one_h1_and_real_ids(site: Site, role: str) -> None:
    values = ids_for_addresses(site)
    client = site.client(role)
    faults = {}
    paths = pages_of(site, role, values)
    for path in paths:
        answer = client.get(path)
        if answer.status_code != 200:
            faults[path] = [f"status {answer.status_code}"]
        elif found := reading_faults(answer.text):
            faults[path] = found
    assert len(paths) >= 5
    assert faults == {}
