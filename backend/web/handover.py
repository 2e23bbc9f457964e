"""Where a report goes, on the coordinator's reports page: back to its writer with a remark, or handed
to the municipality where the finding was made."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from backend.models import Municipality, Role
from backend.services import reports
from backend.services.errors import ServiceError
from backend.web import i18n
from backend.web import problems as shown
from backend.web.access import allow, caller
from backend.web.common import now, today
from backend.web.schemas import HandOverIn, Invalid, ReturnIn, form_data, parse

blueprint = Blueprint("reports", __name__, url_prefix="/coordinator/reports")


@blueprint.post("/<int:report_id>/return")
@allow(Role.COORDINATOR)
def return_report(report_id: int) -> Any:
    def send_back(values: dict[str, Any]) -> None:
        reports.send_back(g.db, now(), caller().name, report_id, parse(ReturnIn, values).remark)

    return _act(report_id, send_back, i18n.gettext("Report sent back; the writer is told in the bot."))


@blueprint.post("/<int:report_id>/hand-over")
@allow(Role.COORDINATOR)
def hand_over(report_id: int) -> Any:
    def hand(values: dict[str, Any]) -> None:
        asked = parse(HandOverIn, values)
        reports.hand_over(g.db, now(), caller().name, report_id, asked.municipality_id, asked.handed_over_on)

    return _act(report_id, hand, i18n.gettext("Hand-over to the municipality recorded."))


def _act(report_id: int, act: Any, done: str) -> Any:
    """Do it and go back to the list; refused, the list again with the problem beside the report."""
    values = form_data(request.form)
    try:
        act(values)
    except Invalid as invalid:
        problems = invalid.problems
    except ServiceError as refused:
        problems = shown.refused(refused)
    else:
        flash(done)
        return redirect(url_for("coordinator.report_list"))
    page = render_template(
        "coordinator/reports.html",
        **{**list_page(), "problems": problems, "failed": report_id, "values": values},
    )
    return page, 422


def list_page() -> dict[str, Any]:
    """What the reports page shows: the open reports, and the choices of a hand-over."""
    places = g.db.execute(
        select(Municipality).where(Municipality.is_participating).order_by(Municipality.name)
    ).scalars()
    return {
        "reports": reports.open_reports(g.db),
        "municipalities": list(places),
        "today": today(),
        "failed": None,
        "values": {},
        "problems": [],
    }
