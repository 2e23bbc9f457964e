"""The hour ledger: bands at entry, corrections as reversals, approval, closed periods."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import HourApproval, HourCategory, HourEntry, PeriodLock, Shift, ShiftKind
from backend.services import ledger
from backend.services.errors import Refused
from scheduling.calendar import team_zone
from tests.factories import NOW, inspector, region
from tests.support.ledger import MARCH, TUESDAY, hour_off
from tests.words import dutch

SATURDAY = datetime(2027, 3, 13, 14, 0, tzinfo=team_zone())


def saturday_shift(session: Session) -> HourEntry:
    _, home = region(session)
    worker = inspector(session, home)
    return ledger.record(
        session,
        NOW,
        "test",
        inspector_id=worker.id,
        municipality_id=home.id,
        category=HourCategory.CALLOUT,
        starts_at=SATURDAY,
        ends_at=SATURDAY + timedelta(hours=9),
        breaks=hour_off(SATURDAY, 4),
    )


def total(session: Session, column: str) -> int:
    return session.execute(select(func.sum(getattr(HourEntry, column)))).scalar_one()


def test_a_saturday_goes_into_the_saturday_band(session: Session) -> None:
    entry = saturday_shift(session)
    assert (entry.worked_minutes, entry.saturday_minutes, entry.plain_minutes) == (480, 480, 0)


def test_a_coordinators_correction_after_approval_is_a_reversal_and_is_approved_at_once(
    session: Session,
) -> None:
    entry = saturday_shift(session)
    ledger.approve(session, NOW, "web:coordinator", entry.id)
    with pytest.raises(Refused, match="approved"):
        ledger.correct(
            session,
            NOW,
            "inspector:1",
            entry.id,
            starts_at=SATURDAY,
            ends_at=SATURDAY + timedelta(hours=10),
            breaks=hour_off(SATURDAY, 4),
            by_coordinator=False,
        )
    corrected = ledger.correct(
        session,
        NOW,
        "web:coordinator",
        entry.id,
        starts_at=SATURDAY,
        ends_at=SATURDAY + timedelta(hours=10),
        breaks=hour_off(SATURDAY, 4),
        by_coordinator=True,
    )
    assert total(session, "worked_minutes") == corrected.worked_minutes == 540
    assert total(session, "saturday_minutes") == 540
    assert session.execute(select(func.count(HourApproval.id))).scalar_one() == 3
    with pytest.raises(Exception, match="no current hour entry"):
        ledger.correct(
            session,
            NOW,
            "web:coordinator",
            entry.id,
            starts_at=SATURDAY,
            ends_at=SATURDAY + timedelta(hours=8),
            breaks=(),
            by_coordinator=True,
        )


def test_a_closed_period_refuses_new_entries_and_corrections_made_while_it_is_current(
    session: Session,
) -> None:
    entry = saturday_shift(session)
    session.add(
        PeriodLock(
            period_start=date(2027, 3, 1), period_end=date(2027, 3, 31), locked_by="finance", locked_at=NOW
        )
    )
    session.flush()
    with pytest.raises(Refused, match="2027-03-09 is closed"):
        ledger.correct(
            session,
            NOW,
            "web:coordinator",
            entry.id,
            starts_at=SATURDAY,
            ends_at=SATURDAY + timedelta(hours=8),
            breaks=(),
            by_coordinator=True,
        )


def test_a_correction_of_a_closed_period_is_booked_visibly_in_the_open_one(session: Session) -> None:
    entry = saturday_shift(session)
    ledger.approve(session, NOW, "web:coordinator", entry.id)
    session.add(
        PeriodLock(
            period_start=date(2027, 3, 1), period_end=date(2027, 3, 31), locked_by="finance", locked_at=NOW
        )
    )
    session.flush()
    april = datetime(2027, 4, 6, 10, 0, tzinfo=team_zone())
    with pytest.raises(Refused, match="approved"):
        ledger.correct(
            session,
            april,
            "inspector:1",
            entry.id,
            starts_at=SATURDAY,
            ends_at=SATURDAY + timedelta(hours=8),
            breaks=(),
            by_coordinator=False,
        )
    corrected = ledger.correct(
        session,
        april,
        "web:coordinator",
        entry.id,
        starts_at=SATURDAY,
        ends_at=SATURDAY + timedelta(hours=8),
        breaks=(),
        by_coordinator=True,
        reason="pauze vergeten",
    )
    assert corrected.starts_at == SATURDAY and corrected.booked_at == april, "work time kept, booked now"
    march = [e.id for e in session.execute(select(HourEntry).where(HourEntry.booked_at.is_(None))).scalars()]
    assert march == [entry.id], "nothing new counts in the closed month"
    assert total(session, "worked_minutes") == 480


@pytest.mark.parametrize(
    ("hours", "breaks", "field"),
    [
        (0, [], "ends_at"),
        (17, [], "ends_at"),
        (2, hour_off(SATURDAY, 0, 120), "breaks"),  # the whole shift
        (9, hour_off(SATURDAY, 8.5), "breaks"),  # past the end
        (9, hour_off(SATURDAY, 2) + hour_off(SATURDAY, 2.5), "breaks"),  # overlapping
        (12, hour_off(SATURDAY, 1, 150) + hour_off(SATURDAY, 6, 100), "breaks"),  # over 4 hours together
        (
            9,
            [(datetime(2027, 3, 13, 16), datetime(2027, 3, 13, 17))],
            None,
        ),  # no zone: no time can be counted
    ],
)
def test_impossible_hours_are_refused_with_the_field_named(
    session: Session, hours: int, breaks: list[tuple[datetime, datetime]], field: str | None
) -> None:
    _, home = region(session)
    worker = inspector(session, home)
    with pytest.raises(Refused) as refused:
        ledger.record(
            session,
            NOW,
            "test",
            inspector_id=worker.id,
            municipality_id=home.id,
            category=HourCategory.CONTROL,
            starts_at=SATURDAY,
            ends_at=SATURDAY + timedelta(hours=hours),
            breaks=breaks,
        )
    assert refused.value.field == field
    assert session.execute(select(func.count(HourEntry.id))).scalar_one() == 0


@pytest.mark.parametrize(
    ("after_hours", "plain", "weekday_20"), [(2, 180, 240), (4, 240, 180), (6, 240, 180)]
)
def test_the_break_is_booked_where_it_was_taken(
    session: Session, after_hours: int, plain: int, weekday_20: int
) -> None:
    _, home = region(session)
    worker = inspector(session, home)
    entry = ledger.record(
        session,
        NOW,
        "test",
        inspector_id=worker.id,
        municipality_id=home.id,
        category=HourCategory.CONTROL,
        starts_at=TUESDAY,
        ends_at=TUESDAY + timedelta(hours=9),
        breaks=hour_off(TUESDAY, after_hours),
    )
    session.expire_all()
    stored = session.get_one(HourEntry, entry.id)
    assert (stored.break_minutes, stored.worked_minutes) == (60, 480)
    assert (stored.plain_minutes, stored.weekday_20_minutes, stored.weekday_40_minutes) == (
        plain,
        weekday_20,
        60,
    )
    assert [(b.starts_at, b.ends_at) for b in stored.breaks] == hour_off(TUESDAY, after_hours)


def test_a_correction_moves_the_break_and_its_allowance(session: Session) -> None:
    _, home = region(session)
    worker = inspector(session, home)
    entry = ledger.record(
        session,
        NOW,
        "test",
        inspector_id=worker.id,
        municipality_id=home.id,
        category=HourCategory.CONTROL,
        starts_at=TUESDAY,
        ends_at=TUESDAY + timedelta(hours=9),
        breaks=hour_off(TUESDAY, 4),
    )
    split_break = hour_off(TUESDAY, 2, 30) + hour_off(TUESDAY, 7.5, 30)  # 16:00-16:30 and 21:30-22:00
    corrected = ledger.correct(
        session,
        NOW,
        "inspector:1",
        entry.id,
        starts_at=TUESDAY,
        ends_at=TUESDAY + timedelta(hours=9),
        breaks=split_break,
        by_coordinator=False,
    )
    assert [(b.starts_at, b.ends_at) for b in corrected.breaks] == split_break
    assert (corrected.break_minutes, corrected.plain_minutes, corrected.weekday_20_minutes) == (60, 210, 210)
    [reversal] = session.execute(select(HourEntry).where(HourEntry.reverses_id == entry.id)).scalars()
    assert (reversal.break_minutes, reversal.breaks) == (-60, [])
    assert (total(session, "break_minutes"), total(session, "weekday_20_minutes")) == (60, 210)


def record_for(
    session: Session,
    starts_at: datetime,
    ends_at: datetime,
    breaks: list[tuple[datetime, datetime]] | None = None,
) -> HourEntry:
    _, home = region(session)
    worker = inspector(session, home)
    return ledger.record(
        session,
        NOW,
        "test",
        inspector_id=worker.id,
        municipality_id=home.id,
        category=HourCategory.CALLOUT,
        starts_at=starts_at,
        ends_at=ends_at,
        breaks=breaks or [],
    )


def test_the_long_night_books_every_real_hour(session: Session) -> None:
    # Sunday 31 October 2027, 01:00-04:00 on the team's clock: four hours, the clock went back once.
    entry = record_for(
        session, datetime(2027, 10, 31, 1, tzinfo=team_zone()), datetime(2027, 10, 31, 4, tzinfo=team_zone())
    )
    session.expire(entry)
    assert (entry.worked_minutes, entry.sunday_holiday_minutes) == (240, 240)


def test_the_short_night_books_only_the_hours_that_happened(session: Session) -> None:
    entry = record_for(
        session, datetime(2027, 3, 28, 1, tzinfo=team_zone()), datetime(2027, 3, 28, 4, tzinfo=team_zone())
    )
    assert entry.worked_minutes == 120


@pytest.mark.parametrize("day", [date(2030, 3, 12), date(2015, 6, 2)])
def test_hours_on_a_day_without_an_ort_table_are_refused_and_nothing_is_written(
    session: Session, day: date
) -> None:
    start = datetime(day.year, day.month, day.day, 14, tzinfo=team_zone())
    with pytest.raises(Refused) as refused:
        record_for(session, start, start + timedelta(hours=9), hour_off(start, 4))
    assert refused.value.code == "no_ort_table"
    assert dutch(refused.value) == f"geen ORT-tabel geldt op {day.isoformat()}; ingesteld: 2016-2027"
    assert session.execute(select(func.count(HourEntry.id))).scalar_one() == 0


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "breaks", "code", "field"),
    [
        (datetime(2027, 3, 9, 14), datetime(2027, 3, 9, 23), [], "naive_time", None),
        (SATURDAY, SATURDAY + timedelta(hours=48), [], "span_too_long", "ends_at"),
        (SATURDAY, SATURDAY - timedelta(hours=1), [], "ends_before_start", "ends_at"),
        (SATURDAY, SATURDAY + timedelta(hours=12), hour_off(SATURDAY, 12), "break_outside", "breaks"),
        (SATURDAY, SATURDAY + timedelta(hours=2), hour_off(SATURDAY, 0, 120), "break_too_long", "breaks"),
        (
            SATURDAY,
            SATURDAY + timedelta(hours=9),
            hour_off(SATURDAY, 2) + hour_off(SATURDAY, 2.5),
            "breaks_overlap",
            "breaks",
        ),
    ],
)
def test_what_the_core_refuses_is_refused_in_the_readers_language(
    session: Session,
    starts_at: datetime,
    ends_at: datetime,
    breaks: list[tuple[datetime, datetime]],
    code: str,
    field: str | None,
) -> None:
    with pytest.raises(Refused) as refused:
        record_for(session, starts_at, ends_at, breaks)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert refused.value.reason is not None
    assert dutch(refused.value) != refused.value.reason.english() == refused.value.message


def approved_minutes(session: Session) -> int:
    return session.execute(
        select(func.coalesce(func.sum(HourEntry.worked_minutes), 0)).join(
            HourApproval, HourApproval.entry_id == HourEntry.id
        )
    ).scalar_one()


APRIL = datetime(2027, 4, 1, 9, 0, tzinfo=team_zone())


@pytest.mark.parametrize("by_coordinator", [True, False], ids=["coordinator", "inspector"])
def test_approving_a_corrected_unapproved_entry_counts_exactly_the_corrected_hours(
    session: Session, by_coordinator: bool
) -> None:
    entry = saturday_shift(session)
    corrected = ledger.correct(
        session,
        NOW,
        "web:coordinator",
        entry.id,
        starts_at=SATURDAY,
        ends_at=SATURDAY + timedelta(hours=9),
        breaks=hour_off(SATURDAY, 4, 45),
        by_coordinator=by_coordinator,
        reason="kortere pauze",
    )
    assert corrected.worked_minutes == 495
    assert approved_minutes(session) == 0, "correcting is not approving"
    lines = ledger.pending(session, *MARCH)
    assert [line.entry.id for line in lines] == [corrected.id], "one line: the corrected version"
    assert sorted(lines[0].entry_ids) == sorted([entry.id, entry.id + 1, corrected.id])
    with pytest.raises(Refused, match="wait for approval"):
        ledger.lock_period(session, APRIL, "web:coordinator", *MARCH)
    assert ledger.approve_many(session, NOW, "web:coordinator", [line.entry.id for line in lines]) == 1
    assert approved_minutes(session) == 495
    assert ledger.pending(session, *MARCH) == []
    ledger.lock_period(session, APRIL, "web:coordinator", *MARCH)


def test_a_page_loaded_before_a_correction_approves_nothing_of_the_old_version(session: Session) -> None:
    entry = saturday_shift(session)
    ledger.correct(
        session,
        NOW,
        "inspector:1",
        entry.id,
        starts_at=SATURDAY,
        ends_at=SATURDAY + timedelta(hours=8),
        breaks=hour_off(SATURDAY, 4),
        by_coordinator=False,
    )
    assert ledger.approve_many(session, NOW, "web:coordinator", [entry.id, entry.id + 1]) == 0
    assert approved_minutes(session) == 0
    assert len(ledger.pending(session, *MARCH)) == 1


def control_day(session: Session, home_id: int, starts_at: datetime, hours: int = 9) -> Shift:
    shift = Shift(
        kind=ShiftKind.CONTROL,
        municipality_id=home_id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        created_at=NOW,
    )
    session.add(shift)
    session.flush()
    return shift


def test_a_period_that_has_not_ended_is_not_closed_and_the_refusal_names_the_first_shift_ahead(
    session: Session,
) -> None:
    """On 1 December, closing 30 Nov - 6 Dec with a control day on the 3rd still to come."""
    _, home = region(session)
    control_day(session, home.id, datetime(2026, 12, 5, 14, 0, tzinfo=team_zone()))
    ahead = control_day(session, home.id, datetime(2026, 12, 3, 14, 0, tzinfo=team_zone()))
    december_first = datetime(2026, 12, 1, 10, 0, tzinfo=team_zone())
    week = (date(2026, 11, 30), date(2026, 12, 6))
    with pytest.raises(ledger.PeriodNotOver) as refused:
        ledger.lock_period(session, december_first, "web:coordinator", *week)
    assert refused.value.field == "period_end"
    assert refused.value.shift is not None and refused.value.shift.id == ahead.id
    assert "2026-12-03 14:00" in refused.value.message and "Leeuwarden" in refused.value.message
    assert refused.value.details["shift_id"] == ahead.id
    assert ledger.locks(session) == []


def test_a_period_is_not_closed_while_it_runs_or_a_shift_in_it_still_runs(session: Session) -> None:
    _, home = region(session)
    week = (date(2026, 11, 30), date(2026, 12, 6))
    with pytest.raises(ledger.PeriodNotOver) as refused:
        ledger.lock_period(
            session, datetime(2026, 12, 6, 23, 0, tzinfo=team_zone()), "web:coordinator", *week
        )
    assert refused.value.shift is None and "2026-12-06" in refused.value.message
    night = control_day(session, home.id, datetime(2026, 12, 6, 22, 0, tzinfo=team_zone()), hours=4)
    with pytest.raises(ledger.PeriodNotOver) as running:
        ledger.lock_period(session, datetime(2026, 12, 7, 1, 0, tzinfo=team_zone()), "web:coordinator", *week)
    assert running.value.shift is not None and running.value.shift.id == night.id
    ledger.lock_period(session, datetime(2026, 12, 7, 2, 0, tzinfo=team_zone()), "web:coordinator", *week)
    assert [(lock.period_start, lock.period_end) for lock in ledger.locks(session)] == [week]
