"""The board (fetched every 5 s) reads the approval list's heads once, for both its count and its
period, and never loads the list itself."""

from __future__ import annotations

from typing import Any

import pytest

from backend.services import ledger
from tests.web.conftest import Site


def test_the_board_reads_the_approval_list_once(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    client = site.client("coordinator")
    reads: list[str] = []
    heads, lines = ledger.pending_heads, ledger.pending

    def counted_heads(*args: Any) -> list[Any]:
        reads.append("heads")
        return heads(*args)

    def counted_lines(*args: Any) -> list[ledger.Pending]:
        reads.append("lines")
        return lines(*args)

    monkeypatch.setattr(ledger, "pending_heads", counted_heads)
    monkeypatch.setattr(ledger, "pending", counted_lines)
    assert client.get("/coordinator/board").status_code == 200
    assert reads == ["heads"]
