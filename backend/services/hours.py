"""An inspector's hours as they see them in the bot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import HourApproval, HourEntry, Inspector
from backend.services import outbox
from backend.services.outbox import Message
from scheduling.calendar import TEAM_ZONE, local_day_start


def send_month_summary(session: Session, now: datetime, inspector: Inspector) -> None:
    """Queue this month's worked hours and how much of them still waits for approval."""
    local = now.astimezone(TEAM_ZONE).date()
    month_start = local_day_start(local.replace(day=1))
    base = select(func.coalesce(func.sum(HourEntry.worked_minutes), 0)).where(
        HourEntry.inspector_id == inspector.id, HourEntry.starts_at >= month_start)
    worked = session.execute(base).scalar_one()
    waiting = session.execute(base.where(~HourEntry.id.in_(select(HourApproval.entry_id)))).scalar_one()
    outbox.send(session, now, inspector, Message("hours.summary", {
        "month": f"{local:%m-%Y}", "worked": _hours_text(worked), "waiting": _hours_text(waiting)}))


def _hours_text(minutes: int) -> str:
    whole, rest = divmod(int(minutes), 60)
    return f"{whole}:{rest:02d}"
