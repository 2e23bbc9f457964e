"""The approval list is read in a few statements however long it is: the board counts it every few
seconds, and a team ten times the pilot's has ten times the lines."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import HourCategory, HourEntry, Inspector, Municipality
from backend.services import evaluation, hours, ledger, settlement
from tests.factories import NOW, inspector, region
from tests.support.ledger import MARCH, TUESDAY, checks_approvals_as_a_set, hour_off
from tests.support.statements import statements


def book_days(session: Session, days: int, first: int = 0) -> list[int]:
    """Control days of one inspector from a Tuesday in March on (the region made on the first call)."""
    if first == 0:
        _, home = region(session)
        inspector(session, home)
    worker_id = session.execute(select(func.max(Inspector.id))).scalar_one()
    home_id = session.execute(select(func.min(Municipality.id))).scalar_one()
    ids = []
    for day in range(first, first + days):
        start = TUESDAY + timedelta(days=day)
        ids.append(
            ledger.record(
                session,
                NOW,
                "test",
                inspector_id=worker_id,
                municipality_id=home_id,
                category=HourCategory.CONTROL,
                starts_at=start,
                ends_at=start + timedelta(hours=9),
                breaks=hour_off(start, 4),
            ).id
        )
    return ids


def test_the_approval_list_takes_as_many_statements_for_twelve_lines_as_for_two(session: Session) -> None:
    book_days(session, 2)
    with statements(session) as few:
        assert len(ledger.pending(session, *MARCH)) == 2
    book_days(session, 10, first=2)
    with statements(session) as many:
        assert len(ledger.pending(session, *MARCH)) == 12
    assert len(many) == len(few)


def test_the_approval_list_looks_up_the_approval_of_each_entry_of_its_period_alone(session: Session) -> None:
    """Ten years of a team ten times the pilot's hold 57,000 approvals: the list of a month must not
    hash them all to find the few of its entries that wait."""
    ledger.approve(session, NOW, "web:coordinator", book_days(session, 2)[0])
    with statements(session) as seen:
        assert len(ledger.pending(session, *MARCH)) == 1
        assert len(ledger.pending_heads(session)) == 1
    assert not [s for s in seen if checks_approvals_as_a_set(s)]


def test_a_twice_corrected_entry_is_one_line_of_all_its_versions(session: Session) -> None:
    (entry,) = book_days(session, 1)
    first = ledger.correct(
        session,
        NOW,
        "inspector:1",
        entry,
        starts_at=TUESDAY,
        ends_at=TUESDAY + timedelta(hours=8),
        breaks=hour_off(TUESDAY, 4),
        by_coordinator=False,
    )
    second = ledger.correct(
        session,
        NOW,
        "inspector:1",
        first.id,
        starts_at=TUESDAY,
        ends_at=TUESDAY + timedelta(hours=7),
        breaks=hour_off(TUESDAY, 4),
        by_coordinator=False,
    )
    (other,) = book_days(session, 1, first=1)
    ledger.approve(session, NOW, "web:coordinator", other)
    lines = ledger.pending(session, *MARCH)
    assert [line.entry.id for line in lines] == [second.id]
    assert sorted(lines[0].entry_ids) == [entry, entry + 1, first.id, first.id + 1, second.id]
    assert lines[0].replaced is not None and lines[0].replaced.id == entry


def test_without_a_period_everything_waiting_between_before_and_after_closed_periods_is_listed(
    session: Session,
) -> None:
    """The list without a period looks only outside the closed periods (a period closes with
    everything in it approved): it must still find what waits before, between and after them."""
    ids = book_days(session, 21)  # 9 to 29 March
    later = datetime(2027, 5, 1, tzinfo=UTC)
    for first, last in ((date(2027, 3, 10), date(2027, 3, 12)), (date(2027, 3, 20), date(2027, 3, 22))):
        inside = ids[first.day - 9 : last.day - 9 + 1]
        ledger.approve_many(session, later, "web:coordinator", inside)
        ledger.lock_period(session, later, "web:finance", first, last)
    waiting = [i for i in ids if i not in ids[1:4] + ids[11:14]]

    assert [line.entry.id for line in ledger.pending(session)] == waiting
    assert [head.id for head in ledger.pending_heads(session)] == waiting
    assert [line.entry.id for line in ledger.pending(session, *MARCH)] == waiting


def test_the_boards_count_sends_the_same_statements_for_twelve_lines_as_for_two(session: Session) -> None:
    """On PostgreSQL the lines' ids go as one array: a statement of an IN per id has a new text for
    each count, which psycopg parses anew past 50 parameters (and PostgreSQL plans anew)."""
    book_days(session, 2)
    with statements(session) as few:
        assert len(ledger.pending_heads(session)) == 2
    book_days(session, 10, first=2)
    with statements(session) as many:
        assert len(ledger.pending_heads(session)) == 12
    if session.get_bind().dialect.name == "postgresql":
        assert list(many) == list(few)
    else:
        assert len(many) == len(few)


def test_the_evaluation_and_a_month_summary_look_up_the_approval_of_each_entry_alone(
    session: Session,
) -> None:
    """The yearly evaluation's sums and an inspector's month summary ask for approvals per entry too:
    a join or a NOT IN of every approval ever made would grow with the ledger's years."""
    ledger.approve(session, NOW, "web:coordinator", book_days(session, 2)[0])
    worker = session.get_one(Inspector, session.execute(select(func.max(Inspector.id))).scalar_one())
    with statements(session) as seen:
        evaluation.evaluate(session, NOW, 2027)
        hours.send_month_summary(session, datetime(2027, 3, 20, 12, tzinfo=UTC), worker)
    assert seen and not [s for s in seen if checks_approvals_as_a_set(s)]


def test_a_settlement_takes_a_closed_periods_entries_as_approved_and_sums_the_same(session: Session) -> None:
    """Entries of a closed period count as approved without a look-up (a period closes only with all of
    them approved); the sums are those of looking each approval up, open and unapproved days too."""
    ids = book_days(session, 6)  # 9-14 March
    for entry in ids[:4]:
        ledger.approve(session, NOW, "web:coordinator", entry)
    ledger.lock_period(
        session, datetime(2027, 4, 1, tzinfo=UTC), "web:finance", date(2027, 3, 1), date(2027, 3, 11)
    )
    looked_up = session.execute(
        select(Inspector.employer_id, HourEntry.category, func.sum(HourEntry.worked_minutes))
        .join(Inspector, Inspector.id == HourEntry.inspector_id)
        .where(ledger.is_approved_entry(), HourEntry.starts_at >= TUESDAY)
        .group_by(Inspector.employer_id, HourEntry.category)
    ).all()
    with statements(session) as seen:
        summed = settlement.approved_minutes(session, *MARCH)
    assert [(e, c, sum(m)) for e, c, *m in summed] == [tuple(row) for row in looked_up]
    assert sum(m for _, _, m in looked_up) == 4 * 480  # of the four approved, not the two waiting
    assert "hour_approvals" in seen[-1]  # the open days' approvals are still looked up


def test_the_boards_count_finds_the_entries_outside_closed_periods_by_index(session: Session) -> None:
    """SQLite asked for work-time order walked the index of starts_at through every entry ever made
    (the board's count, every few seconds); unordered, it finds the few outside the closed periods by
    the index of counts_at. (PostgreSQL's plan follows its statistics; its tests are the bench's.)"""
    for entry in book_days(session, 3):
        ledger.approve(session, NOW, "web:coordinator", entry)
    ledger.lock_period(session, datetime(2027, 4, 1, tzinfo=UTC), "web:finance", *MARCH)
    with statements(session) as seen:
        ledger.pending_heads(session)
    first = next(i for i, s in enumerate(seen) if "FROM hour_entries" in s)  # the waiting entries
    if session.get_bind().dialect.name == "sqlite":
        explain = f"EXPLAIN QUERY PLAN {seen[first]}"
        plan = str(session.connection().exec_driver_sql(explain, seen.parameters[first]).all())
        assert "ix_hour_entries_counted_at" in plan and "SCAN hour_entries" not in plan
