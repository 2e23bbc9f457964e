"""Appending to the audit chain: a second record in the same transaction links to the first without
asking the database for the tail again (the append lock is already held), and the chain holds."""

from __future__ import annotations

from sqlalchemy import event, select

from backend.db import Database
from backend.models import AuditRecord
from backend.services import audit
from tests.factories import NOW


def statements_during(database: Database, work) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement.split()[0].upper())

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    return seen


def test_a_second_record_in_a_transaction_reads_no_tail_and_the_chain_holds(migrated_copy: Database) -> None:
    with migrated_copy.transaction() as session:
        audit.record(session, NOW, "system", "test.first", "thing:1")
        second = statements_during(
            migrated_copy, lambda: audit.record(session, NOW, "system", "test.second", "thing:1")
        )
    assert second == ["INSERT"]
    with migrated_copy.transaction() as session:  # a new transaction asks again, and links on
        third = statements_during(
            migrated_copy, lambda: audit.record(session, NOW, "system", "test.third", "thing:1")
        )
        assert "SELECT" in third
        assert audit.verify(session).is_intact
        assert session.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq)).all()[-3:] == [1, 2, 3]
