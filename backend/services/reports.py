"""Administrative reports of controls: which are still to be written, which to review, the review, and
where a report goes: back to its writer with a remark, or to the municipality where the finding was made
(which does the legal follow-up, seed 000 §2.5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.models import Inspector, Municipality, Report, ReportStatus, Shift
from backend.services import audit, disclosures, outbox, planning
from backend.services.dashboard import ShiftView, first_names, shift_rows, views
from backend.services.errors import NotFound, Refused
from backend.services.outbox import Message
from scheduling.calendar import local_date

MAX_REMARK = 500


@dataclass(frozen=True)
class ReportView:
    report_id: int
    status: str
    writer: str
    written_at: datetime | None
    reviewed_at: datetime | None
    shift: ShiftView
    returned_at: datetime | None = None
    municipality_id: int | None = None
    """Where the control was: the municipality a hand-over goes to unless the coordinator says otherwise."""


def open_reports(session: Session, limit: int = 200) -> list[ReportView]:
    """Reports not yet reviewed, or reviewed and not yet handed over; oldest control first."""
    found = list(
        session.execute(
            select(Report)
            .join(Shift, Shift.id == Report.shift_id)
            .where(or_(Report.status != ReportStatus.REVIEWED, Report.handed_over_on.is_(None)))
            .order_by(Shift.starts_at)
            .limit(limit)
        ).scalars()
    )
    rows = shift_rows(session, Shift.id.in_([r.shift_id for r in found]))
    shifts = {v.shift_id: v for v in views(session, rows)}
    places = dict(
        session.execute(
            select(Shift.id, Shift.municipality_id).where(Shift.id.in_([r.shift_id for r in found]))
        ).all()
    )
    writers = first_names(session, (r.writer_id for r in found))
    return [
        ReportView(
            r.id,
            r.status.value,
            writers[r.writer_id].first_name,
            r.written_at,
            r.reviewed_at,
            shifts[r.shift_id],
            r.returned_at,
            places[r.shift_id],
        )
        for r in found
    ]


def review(session: Session, now: datetime, actor: str, report_id: int) -> None:
    """The coordinator has read the written report (or the one she sent back, rewritten); from now on
    its call-out's details may expire."""
    report = _report(session, report_id)
    if report.status == ReportStatus.REVIEWED:
        return
    if report.status not in (ReportStatus.WRITTEN, ReportStatus.RETURNED):
        raise Refused("this report has not been written yet", field="report_id", code="report_unwritten")
    report.status, report.reviewed_at, report.reviewed_by = ReportStatus.REVIEWED, now, actor
    audit.record(session, now, actor, "report.reviewed", f"report:{report_id}")


def send_back(session: Session, now: datetime, actor: str, report_id: int, remark: str) -> None:
    """Return a written report with a remark. The writer reads it in the bot, silently and protected
    (a remark may name a place), with the buttons to log the time again once it is rewritten; the
    remark is kept nowhere else (not in the report, not in the audit log)."""
    report = _report(session, report_id)
    remark = remark.strip()
    if not 3 <= len(remark) <= MAX_REMARK:
        raise Refused("a remark of 3 to 500 characters is needed", field="remark")
    if report.status not in (ReportStatus.WRITTEN, ReportStatus.RETURNED):
        raise Refused("only a written report that is not yet reviewed can be sent back", field="report_id")
    report.status, report.returned_at, report.returned_by = ReportStatus.RETURNED, now, actor
    shift = session.get_one(Shift, report.shift_id)
    outbox.send(
        session,
        now,
        session.get_one(Inspector, report.writer_id),
        Message(
            "report.returned",
            {"date": planning.when(shift)["date"], "remark": remark},
            about={"report": report.id},
            protect_content=True,
            disable_notification=True,
        ),
        ref=f"report:{report.id}",
    )
    audit.record(session, now, actor, "report.returned", f"report:{report_id}")


HAND_OVER_PURPOSE = "follow-up of the finding by the municipality where it was made"
"""Why a report goes to a municipality: it does the legal follow-up (seed 000, section 2.5)."""


def hand_over(
    session: Session, now: datetime, actor: str, report_id: int, municipality_id: int, on: date
) -> None:
    """Record that the reviewed report was handed to the municipality where the finding was made, on
    the day `on` (not before the control, not in the future); once per report."""
    report = _report(session, report_id)
    if report.status is not ReportStatus.REVIEWED:
        raise Refused("a report is handed over once it is reviewed", field="report_id")
    if report.handed_over_on is not None:
        raise Refused("this report was already handed over", field="report_id")
    place = session.get(Municipality, municipality_id)
    if place is None or not place.is_participating:
        raise NotFound("municipality_id", "no participating municipality with this id")
    control_day = local_date(session.get_one(Shift, report.shift_id).starts_at)
    if not control_day <= on <= local_date(now):
        raise Refused("the hand-over day lies between the control and today", field="handed_over_on")
    report.handed_over_on, report.handed_over_to_id, report.handed_over_by = on, place.id, actor
    disclosures.record(
        session,
        at=now,
        actor=actor,
        kind="report",
        receiver=f"gemeente {place.name}",
        purpose=HAND_OVER_PURPOSE,
        scope={"report": report.id, "on": on.isoformat()},
    )
    audit.record(
        session,
        now,
        actor,
        "report.handed_over",
        f"report:{report_id}",
        {"municipality": place.id, "on": on.isoformat()},
    )


def _report(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound("report_id", "no report with this id")
    return report
