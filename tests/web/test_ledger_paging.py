"""The ledger page and /api/v1/ledger read one page of entries from the database, not the whole period:
the page's rows come from LIMIT/OFFSET, and the count and totals from SQL aggregates."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from backend.services import exports
from backend.web import api, finance
from tests.support.web import SHARED, YEAR, book_hours
from tests.web.conftest import Site, book


class CountingRows:
    """Stands in for `exports.ledger_rows`, counting the rows it hands out."""

    def __init__(self) -> None:
        self.count = 0
        self.real = exports.ledger_rows

    def __call__(self, *args: Any, **kwargs: Any) -> Iterator[tuple[Any, ...]]:
        for row in self.real(*args, **kwargs):
            self.count += 1
            yield row


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> CountingRows:
    counting = CountingRows()
    monkeypatch.setattr(exports, "ledger_rows", counting)
    monkeypatch.setattr(api, "ledger_rows", counting)
    return counting


def entry_ids(page: str) -> list[str]:
    return re.findall(r'<tr><td class="num">(\d+)</td>', page)


def test_the_ledger_page_reads_one_page_and_totals_the_whole_period(
    site: Site, counted: CountingRows, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = book_hours(site)
    client = site.client("finance")
    whole = client.get("/finance/ledger", query_string=YEAR).text
    monkeypatch.setattr(finance, "PAGE", 3)
    counted.count = 0
    first = client.get("/finance/ledger", query_string=YEAR).text
    assert counted.count <= 3
    second = client.get("/finance/ledger", query_string=YEAR | {"page": "2"}).text
    assert entry_ids(first) + entry_ids(second) == entry_ids(whole)
    assert sorted(entry_ids(whole), key=int) == [str(i) for i in sorted(ids)]
    assert len(entry_ids(second)) == 1
    footer = re.compile(r"<tfoot>.*</tfoot>", re.S)
    assert footer.search(first).group(0) == footer.search(second).group(0) == footer.search(whole).group(0)  # type: ignore[union-attr]
    assert "total (4 lines)" in footer.search(first).group(0) or "4 regels" in footer.search(first).group(0)  # type: ignore[union-attr]


def test_the_ledger_api_reads_one_page_and_counts_the_period_in_sql(
    site: Site, counted: CountingRows
) -> None:
    ids = book_hours(site)
    client = site.client("finance")
    asked = YEAR | SHARED
    whole = client.get("/api/v1/ledger", query_string=asked).json
    assert sorted(item["entry"] for item in whole["items"]) == sorted(ids) and whole["total"] == 4
    counted.count = 0
    second = client.get("/api/v1/ledger", query_string=asked | {"per_page": "3", "page": "2"}).json
    assert counted.count <= 3
    assert second == {"items": whole["items"][3:], "page": 2, "per_page": 3, "total": 4}
    beyond = client.get("/api/v1/ledger", query_string=asked | {"per_page": "3", "page": "9"}).json
    assert beyond == {"items": [], "page": 9, "per_page": 3, "total": 4}


def test_the_ledger_totals_from_sql_match_the_sum_of_its_rows(site: Site) -> None:
    book_hours(site)
    with site.database.transaction() as session:  # a week of one short evening stretch earns no allowance
        book(session, site, 3, 1, date(2027, 3, 15), hour=13, minutes=480, break_minutes=30)
    wanted = exports.LedgerFilter(date(2027, 1, 1), date(2027, 12, 31))
    with site.database.reading() as session:
        summed = exports.Totals(exports.LEDGER_HEADER, exports.SUMMED)
        rows, at = list(exports.ledger_rows(session, wanted)), exports.LEDGER_HEADER.index
        for row in rows:
            summed.add(row)
        counted_in_sql = exports.ledger_totals(session, wanted)
    assert counted_in_sql.count == summed.count == 5
    earned = sum(row[at("worked_minutes")] - row[at("plain_minutes")] for row in rows)
    assert summed.sums[-1] < earned, "an exempt week is in the period"
    assert counted_in_sql.sums == summed.sums


def test_the_next_link_of_a_later_page_leads_further(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    book_hours(site)
    monkeypatch.setattr(finance, "PAGE", 1)
    client = site.client("finance")
    second = client.get("/finance/ledger", query_string=YEAR | {"page": "2"}).text
    following = re.search(r'id="next-page" href="([^"]+)"', second).group(1)  # type: ignore[union-attr]
    third = client.get("/finance/ledger", query_string=YEAR | {"page": "3"}).text
    assert entry_ids(client.get(html.unescape(following)).text) == entry_ids(third) != entry_ids(second)
