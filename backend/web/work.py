"""Work outside shifts on the web: the coordinator books hers and the inspectors' (coordination,
preparation, training, peer review); finance or admin approves hers, which she may not."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from backend.models import OFF_SHIFT, Inspector, Municipality, Role
from backend.services import dashboard, ledger, work_hours
from backend.services.errors import ServiceError
from backend.web import i18n
from backend.web import problems as shown
from backend.web.access import allow, caller
from backend.web.common import now, safe_path, today
from backend.web.schemas import EntryIdsIn, Invalid, WorkIn, form_data, parse

blueprint = Blueprint("work", __name__)
APPROVERS = ledger.APPROVES_COORDINATOR


@blueprint.route("/coordinator/work", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def record_page() -> Any:
    """Book work outside shifts for oneself or an inspector; it then waits for approval."""
    own = work_hours.own_inspector(g.db, caller().user_id)
    values: dict[str, Any] = {
        "day": today().isoformat(),
        "start": "09:00",
        "end": "12:00",
        "inspector_id": own or "",
        "category": "coordination" if own else "preparation",
    }
    problems: list[dict[str, str]] = []
    if request.method == "POST":
        values = form_data(request.form)
        try:
            asked = parse(WorkIn, WorkIn.form_values(values))
            starts_at, ends_at = asked.window()
            work_hours.record_work(
                g.db,
                now(),
                caller().name,
                inspector_id=asked.inspector_id,
                category=asked.category,
                starts_at=starts_at,
                ends_at=ends_at,
                breaks=asked.break_spans(),
            )
        except Invalid as invalid:
            problems = invalid.problems
        except ServiceError as refused:
            problems = shown.refused(refused)
        else:
            flash(i18n.gettext("Hours booked; they wait for approval."))
            return redirect(url_for("work.record_page"))
    team = sorted(
        dashboard.first_names(
            g.db, g.db.execute(select(Inspector.id).where(Inspector.is_active)).scalars()
        ).values(),
        key=lambda n: n.first_name,
    )
    page = render_template(
        "coordinator/work.html", values=values, problems=problems, team=team, categories=OFF_SHIFT
    )
    return page, (422 if problems else 200)


@blueprint.get("/finance/coordinator-hours")
@allow(*APPROVERS)
def coordinator_hours() -> Any:
    """The coordinator's own hours waiting for approval: finance's or admin's to approve."""
    lines = work_hours.coordinator_pending(g.db)
    names = dashboard.first_names(g.db, (line.entry.inspector_id for line in lines))
    places = dict(g.db.execute(select(Municipality.id, Municipality.name)).all())
    return render_template("finance/coordinator_hours.html", lines=lines, names=names, municipalities=places)


@blueprint.post("/finance/coordinator-hours/approve")
@allow(*APPROVERS)
def approve_coordinator_hours() -> Any:
    chosen = parse(EntryIdsIn, {"entry_ids": request.form.getlist("entry_ids")})
    approved = ledger.approve_many(
        g.db,
        now(),
        caller().name,
        chosen.entry_ids,
        role=caller().role,
        own_inspector_id=work_hours.own_inspector(g.db, caller().user_id),
    )
    flash(i18n.ngettext("%(n)s entry approved.", "%(n)s entries approved.", approved))
    return redirect(safe_path(request.form.get("back")) or url_for("work.coordinator_hours"))
