"""Every page each role may open renders on each database, with real ids in its address, and reads
in Dutch: no text of the catalog left in English, no code names. (How it looks on a phone and a
laptop, and whether it is accessible, is the browser's test, on SQLite.)"""

from __future__ import annotations

import pytest

from tests.support.pages import ROLES, ids_for_addresses, pages_of, untranslated, words_of
from tests.web.conftest import Site


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_renders_in_dutch_with_real_ids(site: Site, role: str) -> None:
    values = ids_for_addresses(site)
    client = site.client(role)
    faults = {}
    paths = pages_of(site, role, values)
    for path in paths:
        answer = client.get(path)
        if answer.status_code != 200:
            faults[path] = [f"status {answer.status_code}"]
        elif found := untranslated(words_of(answer.text)):
            faults[path] = [f"not Dutch: {text!r}" for text in found]
    assert len(paths) >= 5
    assert faults == {}
