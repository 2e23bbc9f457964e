"""Where a report goes: back to its writer with a remark (told in the bot, silently), or, reviewed, to the
municipality where the finding was made, on a day, once."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import (
    AuditRecord,
    Disclosure,
    Inspector,
    Municipality,
    OutboxMessage,
    Report,
    ReportStatus,
    Shift,
    ShiftKind,
)
from backend.services import reports
from backend.services.errors import NotFound, Refused
from tests.factories import NOW, inspector, region

REMARK = "Het tweede adres ontbreekt"


@pytest.fixture
def home(session: Session) -> Municipality:
    return region(session)[1]


@pytest.fixture
def writer(session: Session, home: Municipality) -> Inspector:
    return inspector(session, home, telegram_id="4242")


def report(
    session: Session, home: Municipality, writer: Inspector, status: ReportStatus = ReportStatus.WRITTEN
) -> Report:
    shift = Shift(
        kind=ShiftKind.CONTROL,
        municipality_id=home.id,
        starts_at=NOW - timedelta(days=3),
        ends_at=NOW - timedelta(days=3) + timedelta(hours=9),
        created_at=NOW,
    )
    session.add(shift)
    session.flush()
    made = Report(shift_id=shift.id, writer_id=writer.id, status=status, written_at=NOW)
    session.add(made)
    session.flush()
    return made


def audit_of(session: Session, action: str) -> list[AuditRecord]:
    return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_a_report_sent_back_tells_its_writer_silently_with_the_remark_kept_nowhere_else(
    session: Session, home: Municipality, writer: Inspector
) -> None:
    made = report(session, home, writer)
    reports.send_back(session, NOW, "web:coordinator", made.id, f"  {REMARK} ")
    assert (made.status, made.returned_at) == (ReportStatus.RETURNED, NOW)
    assert made.returned_by == "web:coordinator"
    [queued] = session.scalars(select(OutboxMessage).where(OutboxMessage.ref == f"report:{made.id}")).all()
    sent = json.loads(queued.payload)
    assert (sent["template"], sent["params"]["remark"]) == ("report.returned", REMARK)
    assert sent["disable_notification"] and sent["protect_content"]
    assert sent["about"] == {"report": made.id}  # the bot offers the durations again (bot/keyboards.py)
    [logged] = audit_of(session, "report.returned")
    assert REMARK not in logged.details
    reports.review(session, NOW, "web:coordinator", made.id)  # the rewritten report, reviewed
    assert made.status is ReportStatus.REVIEWED


@pytest.mark.parametrize(
    ("status", "remark", "field"),
    [
        (ReportStatus.PENDING, REMARK, "report_id"),
        (ReportStatus.REVIEWED, REMARK, "report_id"),
        (ReportStatus.WRITTEN, " x ", "remark"),
        (ReportStatus.WRITTEN, "x" * 501, "remark"),
    ],
)
def test_sending_back_is_refused_before_writing_after_review_or_without_a_remark(
    session: Session, home: Municipality, writer: Inspector, status: ReportStatus, remark: str, field: str
) -> None:
    made = report(session, home, writer, status)
    with pytest.raises(Refused) as refused:
        reports.send_back(session, NOW, "web:coordinator", made.id, remark)
    assert refused.value.field == field and made.status is status


def test_a_reviewed_report_is_handed_over_once_and_leaves_the_list(
    session: Session, home: Municipality, writer: Inspector
) -> None:
    made = report(session, home, writer, ReportStatus.REVIEWED)
    assert [r.report_id for r in reports.open_reports(session)] == [made.id]
    day = date(2027, 3, 8)
    reports.hand_over(session, NOW, "web:coordinator", made.id, home.id, day)
    assert (made.handed_over_on, made.handed_over_to_id, made.handed_over_by) == (
        day,
        home.id,
        "web:coordinator",
    )
    [logged] = audit_of(session, "report.handed_over")
    assert json.loads(logged.details) == {"municipality": home.id, "on": "2027-03-08"}
    [shared] = session.scalars(select(Disclosure).where(Disclosure.kind == "report")).all()
    assert json.loads(shared.scope) == {"report": made.id, "on": "2027-03-08"}  # the register of disclosures
    assert shared.receiver == f"gemeente {home.name}" and shared.purpose == reports.HAND_OVER_PURPOSE
    assert reports.open_reports(session) == []
    with pytest.raises(Refused, match="already handed over"):
        reports.hand_over(session, NOW, "web:coordinator", made.id, home.id, day)


def test_a_hand_over_is_refused_before_review_on_a_wrong_day_or_to_an_unknown_municipality(
    session: Session, home: Municipality, writer: Inspector
) -> None:
    written = report(session, home, writer)
    with pytest.raises(Refused, match="once it is reviewed"):
        reports.hand_over(session, NOW, "web:coordinator", written.id, home.id, date(2027, 3, 8))
    reviewed = report(session, home, writer, ReportStatus.REVIEWED)
    for day in (date(2027, 3, 5), date(2027, 3, 10)):  # before the control, after today
        with pytest.raises(Refused) as refused:
            reports.hand_over(session, NOW, "web:coordinator", reviewed.id, home.id, day)
        assert refused.value.field == "handed_over_on"
    with pytest.raises(NotFound):
        reports.hand_over(session, NOW, "web:coordinator", reviewed.id, 9999, date(2027, 3, 8))
    assert reviewed.handed_over_on is None
