"""Administrative reports of controls: which are still to be written, which to review, and the review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Report, ReportStatus, Shift
from backend.services import audit
from backend.services.dashboard import ShiftView, first_names, shift_rows, views
from backend.services.errors import NotFound, Refused


@dataclass(frozen=True)
class ReportView:
    report_id: int
    status: str
    writer: str
    written_at: datetime | None
    reviewed_at: datetime | None
    shift: ShiftView


def open_reports(session: Session, limit: int = 200) -> list[ReportView]:
    """Reports not yet reviewed, oldest control first."""
    found = list(session.execute(select(Report).join(Shift, Shift.id == Report.shift_id)
                                 .where(Report.status != ReportStatus.REVIEWED)
                                 .order_by(Shift.starts_at).limit(limit)).scalars())
    rows = shift_rows(session, Shift.id.in_([r.shift_id for r in found]))
    shifts = {v.shift_id: v for v in views(session, rows)}
    writers = first_names(session, (r.writer_id for r in found))
    return [ReportView(r.id, r.status.value, writers[r.writer_id].first_name, r.written_at, r.reviewed_at,
                       shifts[r.shift_id]) for r in found]


def review(session: Session, now: datetime, actor: str, report_id: int) -> None:
    """The coordinator has read the written report; from now on its call-out's details may expire."""
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound("report_id", "no report with this id")
    if report.status == ReportStatus.REVIEWED:
        return
    if report.status != ReportStatus.WRITTEN:
        raise Refused("this report has not been written yet", field="report_id", code="report_unwritten")
    report.status, report.reviewed_at, report.reviewed_by = ReportStatus.REVIEWED, now, actor
    audit.record(session, now, actor, "report.reviewed", f"report:{report_id}")
