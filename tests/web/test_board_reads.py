"""The board (fetched every 5 s) reads the approval list once, for both its count and its period."""

from __future__ import annotations

from typing import Any

import pytest

from backend.services import ledger
from tests.web.conftest import Site


def test_the_board_reads_the_approval_list_once(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    client = site.client("coordinator")
    reads: list[tuple[Any, ...]] = []
    real = ledger.pending

    def counted(*args: Any) -> list[ledger.Pending]:
        reads.append(args)
        return real(*args)

    monkeypatch.setattr(ledger, "pending", counted)
    assert client.get("/coordinator/board").status_code == 200
    assert len(reads) == 1
