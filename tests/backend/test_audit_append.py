"""Appending to the audit chain: a second record in the same transaction links to the first without
asking the database for the tail again (the append lock is already held), and the chain holds."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import Database
from backend.models import AuditRecord
from backend.services import audit
from tests.factories import NOW
from tests.support.statements import statements


def statements_during(session: Session, work: Callable[[], object]) -> list[str]:
    """The kinds of statement (SELECT, INSERT ...) `work` sends."""
    with statements(session) as seen:
        work()
    return [statement.split()[0].upper() for statement in seen]


def test_a_second_record_in_a_transaction_reads_no_tail_and_the_chain_holds(migrated_copy: Database) -> None:
    with migrated_copy.transaction() as session:
        audit.record(session, NOW, "system", "test.first", "thing:1")
        second = statements_during(
            session, lambda: audit.record(session, NOW, "system", "test.second", "thing:1")
        )
    assert second == ["INSERT"]
    with migrated_copy.transaction() as session:  # a new transaction asks again, and links on
        third = statements_during(
            session, lambda: audit.record(session, NOW, "system", "test.third", "thing:1")
        )
        assert "SELECT" in third
        assert audit.verify(session).is_intact
        assert session.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq)).all()[-3:] == [1, 2, 3]
