"""The board (fetched every 5 s) reads the approval list's heads once, for both its count and its
period, and never loads the list itself."""

from __future__ import annotations

from typing import Any

import pytest

from backend.services import ledger
from tests.support.statements import statements
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


def test_the_board_finds_its_call_outs_by_index(site: Site) -> None:
    """Open call-outs and the last day's, asked every few seconds, through their two indexes at once
    on PostgreSQL (bitmap scans forced, as on a small table it would rather scan the table or walk the
    order's index): not by reading every call-out ever made. The open status is in the statement's
    text, so the partial index can serve it, in a prepared statement's generic plan too."""
    client = site.client("coordinator")
    with statements(site.database.engine) as seen:
        assert client.get("/coordinator/board").status_code == 200
    (found,) = [i for i, s in enumerate(seen) if "FROM callouts" in s]
    assert "status = 'open'" in seen[found]
    if site.database.engine.dialect.name != "postgresql":
        return  # SQLite walks the order's index: its plan says nothing of the server's
    with site.database.engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
        plan = str(connection.exec_driver_sql(f"EXPLAIN {seen[found]}", seen.parameters[found]).all())
    assert "BitmapOr" in plan and "ix_callouts_open" in plan and "ix_callouts_created_at" in plan
