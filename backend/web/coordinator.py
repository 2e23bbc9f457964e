"""The coordinator's pages: the dispatch board, call-outs, the calendar, hour approval and reports."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from backend.models import CalloutSource, HourEntry, Inspector, Municipality, Role
from backend.services import callouts, controls_plan, dashboard, findings, ledger, reports
from backend.services.errors import ServiceError
from backend.web import finance, i18n
from backend.web.access import allow, caller
from backend.web.common import now, safe_path, today
from backend.web.i18n import N_
from backend.web.schemas import (
    FORM_BREAKS,
    CalloutIn,
    ControlDayIn,
    CorrectionIn,
    EntryIdsIn,
    Invalid,
    PeriodIn,
    PersonChangeIn,
    form_data,
    parse,
)
from scheduling.calendar import local_day_start, team_zone

blueprint = Blueprint("coordinator", __name__, url_prefix="/coordinator")
COORDINATION = (Role.COORDINATOR,)
WEEK = timedelta(days=7)


@blueprint.get("")
@allow(*COORDINATION)
def dashboard_page() -> Any:
    return render_template("coordinator/dashboard.html", **_board())


@blueprint.get("/board")
@allow(*COORDINATION)
def board() -> Any:
    """The live part of the dashboard, fetched again every few seconds by board.js."""
    return render_template("coordinator/_board.html", **_board())


def _board() -> dict[str, Any]:
    start = local_day_start(today())
    week = dashboard.shifts_between(g.db, start, start + WEEK)
    tomorrow = local_day_start(today() + timedelta(days=1))
    return {"callouts": dashboard.callouts(g.db, now()), "today": [v for v in week if v.starts_at < tomorrow],
            "week": week, "gaps": dashboard.gaps(week), "waiting": dashboard.waiting(g.db), "now": now()}


@blueprint.route("/callouts/new", methods=["GET", "POST"])
@allow(*COORDINATION)
def new_callout() -> Any:
    values: dict[str, Any] = {"day": today().isoformat(), "start": "14:00", "end": "23:00"}
    problems: list[dict[str, str]] = []
    warning = None
    if request.method == "POST":
        values = form_data(request.form)
        go_ahead = values.pop("go_ahead", None)
        try:
            asked = parse(CalloutIn, values)
            warning = None if go_ahead else repeat_warning(asked.location)
            made = None if warning else callouts.create_callout(g.db, now(), caller().name,
                                                                asked.to_service())
        except Invalid as invalid:
            problems = invalid.problems
        except ServiceError as refused:
            problems = [{"field": refused.field or "", "message": refused.text(i18n.language())}]
        else:
            if made is not None:
                flash(i18n.gettext("Call-out %(id)s created and offered.", id=made.id))
                return redirect(url_for("coordinator.dashboard_page"))
    page = render_template("coordinator/new_callout.html", values=values, problems=problems, warning=warning,
                           municipalities=_participating(), sources=list(CalloutSource))
    return page, (422 if problems else 200)


def repeat_warning(address: str) -> str | None:
    """"Controlled on 12 March (control 2027-014)" when the address was controlled recently."""
    recent = findings.recent_control(g.db, now(), address)
    if recent is None:
        return None
    return i18n.gettext("This address was controlled on %(day)s (control %(control)s).",
                        day=i18n.day_month(recent.controlled_on), control=recent.label)


def _participating() -> list[Municipality]:
    return list(g.db.execute(select(Municipality).where(Municipality.is_participating)
                             .order_by(Municipality.name)).scalars())


@blueprint.post("/callouts/<int:callout_id>/cancel")
@allow(*COORDINATION)
def cancel_callout(callout_id: int) -> Any:
    callouts.cancel(g.db, now(), caller().name, callout_id)
    flash(i18n.gettext("Call-out %(id)s cancelled; the pair and everyone offered are told.", id=callout_id))
    return redirect(url_for("coordinator.dashboard_page"))


@blueprint.post("/callouts/<int:callout_id>/widen")
@allow(*COORDINATION)
def widen_callout(callout_id: int) -> Any:
    offered = callouts.widen(g.db, now(), caller().name, callout_id)
    flash(i18n.gettext("Offered to %(n)s more.", n=offered))
    return redirect(url_for("coordinator.dashboard_page"))


@blueprint.get("/calendar")
@allow(*COORDINATION)
def calendar() -> Any:
    month = _month(request.args.get("month"))
    days, views = _month_shifts(month)
    by_day: dict[date, list[dashboard.ShiftView]] = {d: [] for d in days}
    for view in views:
        by_day[view.starts_at.astimezone(team_zone()).date()].append(view)
    return render_template("coordinator/calendar.html", month=month, by_day=by_day, lead=days[0].weekday(),
                           **_neighbours(days))


def _month(text: str | None) -> date:
    try:
        return datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return today().replace(day=1)


def _month_shifts(month: date) -> tuple[list[date], list[dashboard.ShiftView]]:
    """The month's days and the shifts that start in it."""
    days = dashboard.month_days(month.year, month.month)
    return days, dashboard.shifts_between(g.db, local_day_start(days[0]),
                                          local_day_start(days[-1] + timedelta(days=1)))


def _neighbours(days: list[date]) -> dict[str, date]:
    """The first days of the months before and after, for the page's arrows."""
    return {"previous": (days[0] - timedelta(days=1)).replace(day=1),
            "following": days[-1] + timedelta(days=1)}


@blueprint.get("/hours")
@allow(*COORDINATION)
def hours() -> Any:
    return _hours_page(request.args.get("period_start"), request.args.get("period_end"))


def _hours_page(start_text: str | None, end_text: str | None, close: dict[str, Any] | None = None,
                close_problems: list[dict[str, str]] | None = None) -> str:
    """The approval list of the period; `close` keeps what was typed in a refused close form."""
    start, end = _period(start_text, end_text)
    lines = ledger.pending(g.db, start, end)
    names = dashboard.first_names(g.db, (line.entry.inspector_id for line in lines))
    municipalities = dict(g.db.execute(select(Municipality.id, Municipality.name)).all())
    return render_template("coordinator/hours.html", lines=lines, names=names, start=start, end=end,
                           municipalities=municipalities, locks=ledger.locks(g.db),
                           close=close or {"period_start": start, "period_end": end},
                           close_problems=close_problems or [])


def _period(start: str | None, end: str | None) -> tuple[date, date]:
    """The asked period, or last week (Monday to Sunday) when none or a wrong one was asked."""
    try:
        return date.fromisoformat(start or ""), date.fromisoformat(end or "")
    except ValueError:
        monday = today() - timedelta(days=today().weekday() + 7)
        return monday, monday + timedelta(days=6)


@blueprint.post("/hours/approve")
@allow(*COORDINATION)
def approve_hours() -> Any:
    chosen = parse(EntryIdsIn, {"entry_ids": request.form.getlist("entry_ids")})
    approved = ledger.approve_many(g.db, now(), caller().name, chosen.entry_ids)
    flash(i18n.gettext("%(n)s entries approved.", n=approved))
    return redirect(safe_path(request.form.get("back")) or url_for("coordinator.hours"))


@blueprint.route("/hours/<int:entry_id>/correct", methods=["GET", "POST"])
@allow(*COORDINATION)
def correct_hours(entry_id: int) -> Any:
    """The coordinator's correction: a reversal and the new entry, with the reason; approved at once
    where the old entry was, else waiting with it as one line."""
    entry = g.db.get(HourEntry, entry_id)
    if entry is None or entry.reverses_id is not None:
        abort(404)
    approved = ledger.is_approved(g.db, entry_id)
    problems: list[dict[str, str]] = []
    values = form_data(request.form) if request.method == "POST" else _entry_values(entry)
    if request.method == "POST":
        try:
            asked = parse(CorrectionIn, CorrectionIn.form_values(values))
            starts_at, ends_at = asked.window()
            ledger.correct(g.db, now(), caller().name, entry_id, starts_at=starts_at, ends_at=ends_at,
                           breaks=asked.break_spans(), by_coordinator=True, reason=asked.reason)
        except Invalid as invalid:
            problems = invalid.problems
        except ServiceError as refused:
            problems = [{"field": refused.field or "", "message": refused.text(i18n.language())}]
        else:
            flash(i18n.gettext("Hours corrected; the old entry is reversed.") if approved else
                  i18n.gettext("Hours corrected; the correction waits for approval."))
            return redirect(safe_path(request.args.get("back")) or url_for("coordinator.hours"))
    name = dashboard.first_names(g.db, [entry.inspector_id])[entry.inspector_id].first_name
    closed = ledger.is_locked(g.db, entry.counts_at)
    page = render_template("coordinator/correct.html", entry=entry, name=name, values=values,
                           problems=problems, closed=closed, approved=approved, break_fields=FORM_BREAKS)
    return page, (422 if problems else 200)


def _entry_values(entry: HourEntry) -> dict[str, Any]:
    start, end = entry.starts_at.astimezone(team_zone()), entry.ends_at.astimezone(team_zone())
    values = {"day": start.date().isoformat(), "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "reason": ""}
    for (from_field, until_field), pause in zip(FORM_BREAKS, entry.breaks, strict=False):
        values[from_field] = f"{pause.starts_at.astimezone(team_zone()):%H:%M}"
        values[until_field] = f"{pause.ends_at.astimezone(team_zone()):%H:%M}"
    return values


LOCK_REFUSALS = (N_("hours in this period still wait for approval"),
                 N_("this period overlaps a period that is already closed"),
                 N_("the period ends before it starts"))
"""The ledger's refusals of a close that are shown as they are (translated)."""


@blueprint.post("/periods/lock")
@allow(Role.COORDINATOR, Role.FINANCE)
def lock_period() -> Any:
    """Close a period; refused, the page the form came from again, the refusal next to the form."""
    values = form_data(request.form)
    try:
        period = parse(PeriodIn, values)
        ledger.lock_period(g.db, now(), caller().name, period.period_start, period.period_end)
    except Invalid as invalid:
        problems = invalid.problems
    except ServiceError as refused:
        problems = [{"field": "", "message": _lock_refusal(refused)}]
    else:
        flash(i18n.gettext("Period %(start)s to %(end)s closed.", start=period.period_start,
                           end=period.period_end))
        shown = "finance.ledger_page" if caller().role is Role.FINANCE else "coordinator.hours"
        return redirect(url_for(shown, period_start=period.period_start, period_end=period.period_end))
    if caller().role is Role.FINANCE:
        return finance.ledger_view({}, close=values, close_problems=problems), 422
    return _hours_page(values.get("period_start"), values.get("period_end"), values, problems), 422


def _lock_refusal(refused: ServiceError) -> str:
    if not isinstance(refused, ledger.PeriodNotOver):
        return i18n.gettext(refused.message)
    if refused.shift is None:
        return i18n.gettext("This period runs until %(end)s and has not ended yet. Close it once it is over "
                            "and its hours are in.", end=i18n.day(refused.end))
    return i18n.gettext("This period has not ended yet: %(kind)s in %(place)s on %(when)s is still ahead. "
                        "Close it once that is over and its hours are in.",
                        kind=i18n.translate(refused.shift.kind.value), place=refused.municipality,
                        when=i18n.when(refused.shift.starts_at))


@blueprint.get("/reports")
@allow(*COORDINATION)
def report_list() -> Any:
    return render_template("coordinator/reports.html", reports=reports.open_reports(g.db))


@blueprint.post("/reports/<int:report_id>/review")
@allow(*COORDINATION)
def review_report(report_id: int) -> Any:
    reports.review(g.db, now(), caller().name, report_id)
    flash(i18n.gettext("Report marked as reviewed."))
    return redirect(url_for("coordinator.report_list"))


@blueprint.get("/planning")
@allow(*COORDINATION)
def planning_page() -> Any:
    """Control days of a month: who is on each, what is still empty, and (asked) the core's proposal."""
    month = _month(request.args.get("month"))
    days, shifts = _month_shifts(month)
    views = [v for v in shifts if v.kind == "control"]
    plan = controls_plan.propose(g.db, now(), days[0], days[-1]) if request.args.get("propose") else None
    named = dashboard.first_names(g.db, _proposed_people(plan)) if plan else {}
    return render_template("coordinator/planning.html", month=month, views=views, plan=plan, named=named,
                           municipalities=_participating(), team=_team_names(), **_neighbours(days))


def _proposed_people(plan: controls_plan.Plan) -> set[int]:
    people = {i for pair in plan.proposal.pairs.values() for i in pair}
    return people | {e.inspector_id for u in plan.proposal.unstaffed for e in u.excluded}


def _team_names() -> list[dashboard.Named]:
    ids = g.db.execute(select(Inspector.id).where(Inspector.is_active)).scalars()
    return sorted(dashboard.first_names(g.db, ids).values(), key=lambda n: n.first_name)


@blueprint.post("/planning/days")
@allow(*COORDINATION)
def plan_day() -> Any:
    day = parse(ControlDayIn, form_data(request.form))
    starts_at, ends_at = day.window()
    controls_plan.plan_control(g.db, now(), caller().name, day.municipality_id, starts_at, ends_at)
    flash(i18n.gettext("Control day added."))
    return redirect(url_for("coordinator.planning_page", month=day.day.strftime("%Y-%m")))


@blueprint.post("/planning/accept")
@allow(*COORDINATION)
def accept_plan() -> Any:
    month = _month(request.form.get("month"))
    days = dashboard.month_days(month.year, month.month)
    made = controls_plan.accept(g.db, now(), caller().name, days[0], days[-1])
    flash(i18n.gettext("Proposal accepted: %(n)s people put on control days; the bot asks them.", n=made))
    return redirect(url_for("coordinator.planning_page", month=month.strftime("%Y-%m")))


@blueprint.post("/planning/shifts/<int:shift_id>/people")
@allow(*COORDINATION)
def change_person(shift_id: int) -> Any:
    change = parse(PersonChangeIn, form_data(request.form))
    if change.action == "add":
        controls_plan.add_person(g.db, now(), caller().name, shift_id, change.inspector_id)
    else:
        controls_plan.remove_person(g.db, now(), caller().name, shift_id, change.inspector_id)
    return redirect(safe_path(request.form.get("back")) or url_for("coordinator.planning_page"))
