"""What the pages show can be read without guessing: where each proposed pair goes."""

from __future__ import annotations

import html
import re

from tests.web.conftest import Site
from tests.web.test_coordinator import municipality


def test_the_proposal_names_the_municipality_of_each_day(site: Site) -> None:
    client = site.client("coordinator")
    places = ("Heerenveen", "Smallingerland", "Opsterland")
    for place in places:
        made = client.post("/coordinator/planning/days",
                           data={"municipality_id": municipality(site, place), "day": "2027-04-20"})
        assert made.status_code == 302
    page = html.unescape(client.get("/coordinator/planning?month=2027-04&propose=1").text)
    proposal = page[page.index('<th>Voorgesteld koppel</th>'):]
    rows = re.findall(r"<tr[^>]*><td>([^<]*)</td><td>([^<]*)</td>", proposal)
    assert sorted(place for _, place in rows) == sorted(places)
    assert all(when.startswith("di 20 apr 14:00–23:00") for when, _ in rows)
