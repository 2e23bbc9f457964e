"""The pair's safety on the web: open alerts on the dispatch board, taken and resolved there too, and
the risk note of a control (the police's risk analysis), which the pair then reads in the bot."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from backend.models import RiskLevel, Role, Shift
from backend.services import offers, safety, safety_ladder
from backend.services.errors import ServiceError
from backend.web import i18n
from backend.web import problems as shown
from backend.web.access import allow, caller
from backend.web.common import now
from backend.web.i18n import N_

blueprint = Blueprint("safety", __name__, url_prefix="/coordinator/safety")
REFUSALS = (
    N_("choose a risk level"),
    N_("the note is too long"),
    N_("unknown outcome"),
    N_("there is no such safety alert"),
    N_("there is no such control"),
)
"""The service's refusals, shown translated next to the form."""
KINDS = {
    "missed_checkout": N_("not checked out"),
    "alarm": N_("alarm"),
    "duress": N_("silent alarm (code word)"),
}
OUTCOMES = safety.OUTCOME_WORDS
LEVELS = {RiskLevel.LOW: N_("low risk"), RiskLevel.MEDIUM: N_("medium risk"), RiskLevel.HIGH: N_("high risk")}


@blueprint.post("/alerts/<int:alert_id>/take")
@allow(Role.COORDINATOR)
def take_alert(alert_id: int) -> Any:
    """ "Ik pak dit op" from the board: the same compare-and-set as the bot's button."""
    answer = safety_ladder.take(g.db, now(), alert_id, caller().name)
    if answer == "callback.safety_stale":
        abort(404)
    if answer == "callback.safety_taken":
        flash(i18n.gettext("Someone else has already taken this alert."), "warning")
    return redirect(url_for("coordinator.dashboard_page"))


@blueprint.post("/alerts/<int:alert_id>/resolve")
@allow(Role.COORDINATOR)
def resolve_alert(alert_id: int) -> Any:
    """Resolve with what happened; an alert nobody took is taken in the same step."""
    outcome = request.form.get("outcome", "")
    try:
        chosen = safety_ladder.refuse_unknown_outcome(outcome)
        answer = safety.resolve_alert(g.db, now(), caller().name, alert_id, chosen)
    except ServiceError as refused:
        if refused.status == 404:
            abort(404)
        flash(" ".join(shown.labelled(shown.refused(refused))), "warning")
    else:
        if answer == "callback.safety_resolved_before":
            flash(i18n.gettext("This alert was already resolved."), "warning")
        else:
            flash(i18n.gettext("Alert resolved."))
    return redirect(url_for("coordinator.dashboard_page"))


@blueprint.route("/controls/<int:shift_id>/risk", methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def risk_note(shift_id: int) -> Any:
    """The police's risk analysis of a control: a level and a short text, sealed, sent to the pair."""
    shift = g.db.get(Shift, shift_id)
    if shift is None:
        abort(404)
    stored = safety.risk_note(g.db, shift_id)
    values = {"level": stored.level.value if stored else "", "note": (stored.note or "") if stored else ""}
    problems: list[dict[str, str]] = []
    if request.method == "POST":
        values = {"level": request.form.get("level", ""), "note": request.form.get("note", "")}
        try:
            safety.set_risk_note(g.db, now(), caller().name, shift_id, values["level"], values["note"])
        except ServiceError as refused:
            problems = shown.refused(refused)
        else:
            flash(i18n.gettext("Risk note saved; the pair reads it in the bot."))
            return redirect(url_for("coordinator.dashboard_page"))
    page = render_template(
        "coordinator/risk_note.html",
        shift=shift,
        values=values,
        problems=problems,
        levels=LEVELS,
        municipality=offers.municipality_name(g.db, shift),
        is_purged=bool(stored and stored.purged_at),
    )
    return page, (422 if problems else 200)
