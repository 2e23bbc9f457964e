"""The coordinator's record of what controls found: the list of recent controls, and per control the
police or administrative only, the partners, and each visited address's outcome (no address kept)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from backend.models import Outcome, Role, Shift
from backend.services import findings, profile
from backend.services.errors import ServiceError
from backend.web import coordinator, i18n
from backend.web import problems as shown
from backend.web.access import allow, caller
from backend.web.common import now
from backend.web.schemas import FINDING_ROWS, ControlRecordIn, Invalid, parse
from scheduling.calendar import team_zone

blueprint = Blueprint("findings", __name__, url_prefix="/coordinator/controls")


@blueprint.get("")
@allow(Role.COORDINATOR)
def control_list() -> Any:
    return render_template("coordinator/controls.html", controls=findings.recent_controls(g.db, now()))


@blueprint.route("/<int:shift_id>/findings", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def record_page(shift_id: int) -> Any:
    shift = g.db.get(Shift, shift_id)
    if shift is None:
        abort(404)
    problems: list[dict[str, str]] = []
    values = _stored(shift) if request.method == "GET" else _typed(request.form)
    if request.method == "POST":
        try:
            given = parse(ControlRecordIn, ControlRecordIn.form_values(request.form))
            findings.record_control(
                g.db,
                now(),
                caller().name,
                shift_id,
                is_with_police=given.is_with_police,
                partners=given.partners,
                addresses=[a.to_service() for a in given.addresses],
            )
        except Invalid as invalid:
            problems = shown.invalid(invalid.problems)
        except ServiceError as refused:
            problems = shown.refused(refused)
        else:
            flash(
                i18n.gettext("Findings of control %(control)s saved.", control=findings.control_label(shift))
            )
            return redirect(url_for("findings.control_list"))
    page = render_template(
        "coordinator/findings.html",
        shift=shift,
        label=findings.control_label(shift),
        values=values,
        problems=problems,
        rows=range(1, FINDING_ROWS + 1),
        outcomes=list(Outcome),
        organisations=list(profile.organisations(g.db)),
        municipalities=coordinator._participating(),
    )
    return page, (422 if problems else 200)


def _typed(form: Any) -> dict[str, Any]:
    """What was typed, to show again next to the problem."""
    return {**{k: v for k, v in form.items() if k != "csrf_token"}, "partners": form.getlist("partners")}


def _stored(shift: Shift) -> dict[str, Any]:
    """The record so far as the form's fields; a new one starts with the police and the shift's place."""
    record = findings.record_of(g.db, shift.id)
    if record is None:
        return {"is_with_police": shift.is_with_police, "partners": []}
    values: dict[str, Any] = {"is_with_police": record.is_with_police, "partners": list(record.partners)}
    for line in record.addresses:
        signal = line.police_signal_at
        values.update(
            {
                f"a{line.number}_outcome": line.outcome.value,
                f"a{line.number}_municipality_id": line.municipality_id,
                f"a{line.number}_care": line.is_care_offered,
                f"a{line.number}_police_signal_at": f"{signal.astimezone(team_zone()):%Y-%m-%dT%H:%M}"
                if signal
                else "",
            }
        )
    return values
