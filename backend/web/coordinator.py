"""The coordinator's pages: the dispatch board, call-outs, the calendar, hour approval and reports."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from backend.models import HourEntry, Inspector, Municipality, Role
from backend.services import (
    callouts,
    control_changes,
    controls,
    dashboard,
    findings,
    leave,
    ledger,
    offers,
    outbox,
    profile,
    reports,
    safety_ladder,
    work_hours,
)
from backend.services.errors import ServiceError
from backend.web import finance, handover, i18n, safety
from backend.web import problems as shown
from backend.web.access import allow, caller
from backend.web.common import in_range, month_or_current, now, safe_path, today
from backend.web.i18n import N_
from backend.web.schemas import (
    FORM_BREAKS,
    CalloutCancelIn,
    CalloutIn,
    CancelIn,
    ControlDayIn,
    CorrectionIn,
    EntryIdsIn,
    Invalid,
    LeaveIn,
    MoveIn,
    PeriodIn,
    PersonChangeIn,
    form_data,
    parse,
)
from scheduling.calendar import local_date, local_day_start, team_zone

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
    heads = ledger.pending_heads(g.db)  # read once for the count and the period
    return {
        "callouts": dashboard.callouts(g.db, now()),
        "today": [v for v in week if v.starts_at < tomorrow],
        "week": week,
        "gaps": dashboard.gaps(week),
        "waiting": dashboard.waiting(g.db, heads),
        "now": now(),
        "bot_silent_since": outbox.stalled_since(g.db, now()),
        "waiting_period": _waiting_period(heads),
        "safety_alerts": safety_ladder.open_alerts(g.db),
        "alert_kinds": safety.KINDS,
        "alert_outcomes": safety.OUTCOMES,
    }


def _waiting_period(heads: list[Any]) -> dict[str, date]:
    """The hours page's period that holds every line still waiting (by their heads, as
    `ledger.pending_heads` reads them): its list and the board's count agree."""
    days = [local_date(head.counts_at) for head in heads]
    return {"period_start": min(days), "period_end": max(max(days), today())} if days else {}


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
            made = (
                None if warning else callouts.create_callout(g.db, now(), caller().name, asked.to_service())
            )
        except Invalid as invalid:
            problems = shown.invalid(invalid.problems)
        except ServiceError as refused:
            problems = shown.refused(refused)
        else:
            if made is not None:
                _say_offered(made.id, offers.offered(g.db, made.shift_id))
                return redirect(url_for("coordinator.dashboard_page"))
    page = render_template(
        "coordinator/new_callout.html",
        values=values,
        problems=problems,
        warning=warning,
        municipalities=_participating(),
        sources=profile.callout_sources(g.db),
    )
    return page, (422 if problems else 200)


def _say_offered(callout_id: int, offered: int) -> None:
    if offered:
        flash(
            i18n.ngettext(
                "Call-out %(id)s created and offered to %(n)s inspector.",
                "Call-out %(id)s created and offered to %(n)s inspectors.",
                offered,
                id=callout_id,
            )
        )
        _warn_if_bot_silent()
    else:
        flash(
            i18n.gettext(
                "Call-out %(id)s created, but offered to nobody: no inspector who may go has a "
                "phone linked to the bot. Phone them, or have the admin link their phones.",
                id=callout_id,
            ),
            "warning",
        )


def repeat_warning(address: str) -> str | None:
    """ "Controlled on 12 March (control 2027-014)" when the address was controlled recently."""
    recent = findings.recent_control(g.db, now(), address)
    if recent is None:
        return None
    return i18n.gettext(
        "This address was controlled on %(day)s (control %(control)s).",
        day=i18n.day_month(recent.controlled_on),
        control=recent.label,
    )


def _participating() -> list[Municipality]:
    return list(
        g.db.execute(
            select(Municipality).where(Municipality.is_participating).order_by(Municipality.name)
        ).scalars()
    )


@blueprint.post("/callouts/<int:callout_id>/cancel")
@allow(*COORDINATION)
def cancel_callout(callout_id: int) -> Any:
    asked = parse(CalloutCancelIn, {"reason": request.form.get("reason", "")})
    callouts.cancel(g.db, now(), caller().name, callout_id, asked.reason)
    flash(i18n.gettext("Call-out %(id)s cancelled; the pair and everyone offered are told.", id=callout_id))
    return redirect(url_for("coordinator.dashboard_page"))


@blueprint.post("/callouts/<int:callout_id>/widen")
@allow(*COORDINATION)
def widen_callout(callout_id: int) -> Any:
    offered = callouts.widen(g.db, now(), caller().name, callout_id)
    if offered:
        flash(i18n.ngettext("Offered to %(n)s more inspector.", "Offered to %(n)s more inspectors.", offered))
        _warn_if_bot_silent()
    else:
        flash(
            i18n.gettext(
                "Nobody more could be offered this call-out: everyone designated has been asked "
                "already or has no phone linked to the bot. Phone them yourself."
            ),
            "warning",
        )
    return redirect(url_for("coordinator.dashboard_page"))


def _warn_if_bot_silent() -> None:
    """What was just queued will not reach anyone while the bot sends nothing: say so, and what to do."""
    since = outbox.stalled_since(g.db, now())
    if since is not None:
        flash(
            i18n.gettext(
                "The bot has sent nothing since %(since)s, so nobody has been asked yet: phone "
                "them, and have the admin start the bot.",
                since=i18n.when(since),
            ),
            "warning",
        )


@blueprint.get("/calendar")
@allow(*COORDINATION)
def calendar() -> Any:
    month = month_or_current(request.args.get("month"))
    days, views = _month_shifts(month)
    by_day: dict[date, list[dashboard.ShiftView]] = {d: [] for d in days}
    for view in views:
        by_day[view.starts_at.astimezone(team_zone()).date()].append(view)
    return render_template(
        "coordinator/calendar.html", month=month, by_day=by_day, lead=days[0].weekday(), **_neighbours(days)
    )


def _month_shifts(month: date) -> tuple[list[date], list[dashboard.ShiftView]]:
    """The month's days and the shifts that start in it."""
    days = dashboard.month_days(month.year, month.month)
    return days, dashboard.shifts_between(
        g.db, local_day_start(days[0]), local_day_start(days[-1] + timedelta(days=1))
    )


def _neighbours(days: list[date]) -> dict[str, date]:
    """The first days of the months before and after, for the page's arrows."""
    return {
        "previous": (days[0] - timedelta(days=1)).replace(day=1),
        "following": days[-1] + timedelta(days=1),
    }


@blueprint.get("/hours")
@allow(*COORDINATION)
def hours() -> Any:
    return _hours_page(request.args.get("period_start"), request.args.get("period_end"))


def _hours_page(
    start_text: str | None,
    end_text: str | None,
    close: dict[str, Any] | None = None,
    close_problems: list[dict[str, str]] | None = None,
) -> str:
    """The approval list of the period; `close` keeps what was typed in a refused close form."""
    start, end = _period(start_text, end_text)
    lines = ledger.pending(g.db, start, end)
    names = dashboard.first_names(g.db, (line.entry.inspector_id for line in lines))
    municipalities = dict(g.db.execute(select(Municipality.id, Municipality.name)).all())
    theirs = work_hours.coordinator_ids(g.db)
    return render_template(
        "coordinator/hours.html",
        lines=lines,
        names=names,
        start=start,
        end=end,
        municipalities=municipalities,
        locks=ledger.locks(g.db),
        theirs=theirs,
        close=close or {"period_start": start, "period_end": end},
        close_problems=close_problems or [],
    )


def _period(start: str | None, end: str | None) -> tuple[date, date]:
    """The asked period, or last week (Monday to Sunday) when none or a wrong one was asked."""
    try:
        asked = date.fromisoformat(start or ""), date.fromisoformat(end or "")
    except ValueError:
        asked = None
    if asked is None or not (in_range(asked[0]) and in_range(asked[1]) and asked[0] <= asked[1]):
        monday = today() - timedelta(days=today().weekday() + 7)
        return monday, monday + timedelta(days=6)
    return asked


@blueprint.post("/hours/approve")
@allow(*COORDINATION)
def approve_hours() -> Any:
    chosen = parse(EntryIdsIn, {"entry_ids": request.form.getlist("entry_ids")})
    approved = ledger.approve_many(g.db, now(), caller().name, chosen.entry_ids)
    flash(i18n.ngettext("%(n)s entry approved.", "%(n)s entries approved.", approved))
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
            ledger.correct(
                g.db,
                now(),
                caller().name,
                entry_id,
                starts_at=starts_at,
                ends_at=ends_at,
                breaks=asked.break_spans(),
                by_coordinator=True,
                reason=asked.reason,
            )
        except Invalid as invalid:
            problems = shown.invalid(invalid.problems)
        except ServiceError as refused:
            problems = shown.refused(refused)
        else:
            flash(
                i18n.gettext("Hours corrected; the old entry is reversed.")
                if approved
                else i18n.gettext("Hours corrected; the correction waits for approval.")
            )
            return redirect(safe_path(request.args.get("back")) or url_for("coordinator.hours"))
    name = dashboard.first_names(g.db, [entry.inspector_id])[entry.inspector_id].first_name
    closed = ledger.is_locked(g.db, entry.counts_at)
    page = render_template(
        "coordinator/correct.html",
        entry=entry,
        name=name,
        values=values,
        problems=problems,
        closed=closed,
        approved=approved,
        break_fields=FORM_BREAKS,
    )
    return page, (422 if problems else 200)


def _entry_values(entry: HourEntry) -> dict[str, Any]:
    start, end = entry.starts_at.astimezone(team_zone()), entry.ends_at.astimezone(team_zone())
    values = {"day": start.date().isoformat(), "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "reason": ""}
    for (from_field, until_field), pause in zip(FORM_BREAKS, entry.breaks, strict=False):
        values[from_field] = f"{pause.starts_at.astimezone(team_zone()):%H:%M}"
        values[until_field] = f"{pause.ends_at.astimezone(team_zone()):%H:%M}"
    return values


@blueprint.post("/periods/lock")
@allow(Role.COORDINATOR, Role.FINANCE)
def lock_period() -> Any:
    """Close a period; refused, the page the form came from again, the refusal next to the form."""
    values = form_data(request.form)
    try:
        period = parse(PeriodIn, values)
        ledger.lock_period(g.db, now(), caller().name, period.period_start, period.period_end)
    except Invalid as invalid:
        problems = shown.invalid(invalid.problems)
    except ServiceError as refused:
        problems = [{"field": "", "message": _lock_refusal(refused)}]
    else:
        flash(
            i18n.gettext(
                "Period %(start)s to %(end)s closed.", start=period.period_start, end=period.period_end
            )
        )
        back = "finance.ledger_page" if caller().role is Role.FINANCE else "coordinator.hours"
        return redirect(url_for(back, period_start=period.period_start, period_end=period.period_end))
    if caller().role is Role.FINANCE:
        return finance.ledger_view({}, close=values, close_problems=problems), 422
    return _hours_page(values.get("period_start"), values.get("period_end"), values, problems), 422


def _lock_refusal(refused: ServiceError) -> str:
    if not isinstance(refused, ledger.PeriodNotOver):
        return shown.refusal_text(refused)
    if refused.shift is None:
        return i18n.gettext(
            "This period runs until %(end)s and has not ended yet. Close it once it is over "
            "and its hours are in.",
            end=i18n.day(refused.end),
        )
    return i18n.gettext(
        "This period has not ended yet: %(kind)s in %(place)s on %(when)s is still ahead. "
        "Close it once that is over and its hours are in.",
        kind=i18n.translate(refused.shift.kind.value),
        place=refused.municipality,
        when=i18n.when(refused.shift.starts_at),
    )


@blueprint.get("/reports")
@allow(*COORDINATION)
def report_list() -> Any:
    return render_template("coordinator/reports.html", **handover.list_page())


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
    return _planning(month_or_current(request.args.get("month")), bool(request.args.get("propose")))


def _planning(
    month: date,
    propose: bool = False,
    problems: list[dict[str, str]] | None = None,
    changing: int | None = None,
) -> str:
    """The planning page; `problems` of a refused move or cancel of day `changing`, shown at that day."""
    days, shifts = _month_shifts(month)
    views = [v for v in shifts if v.kind == "control"]
    plan = controls.propose(g.db, now(), days[0], days[-1]) if propose else None
    named = dashboard.first_names(g.db, _proposed_people(plan)) if plan else {}
    changes = control_changes.changes_between(
        g.db, local_day_start(days[0]), local_day_start(days[-1] + timedelta(days=1))
    )
    moved = {c.shift_id: c.old_starts_at for c in changes if c.kind == "moved"}
    municipalities = _participating()
    return render_template(
        "coordinator/planning.html",
        month=month,
        views=views,
        plan=plan,
        named=named,
        municipalities=municipalities,
        places={m.id: m.name for m in municipalities},
        team=_team_names(),
        changes=changes,
        moved=moved,
        problems=problems or [],
        changing=changing,
        now=now(),
        **_neighbours(days),
    )


def _proposed_people(plan: controls.Plan) -> set[int]:
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
    controls.plan_control(g.db, now(), caller().name, day.municipality_id, starts_at, ends_at)
    flash(i18n.gettext("Control day added."))
    return redirect(url_for("coordinator.planning_page", month=day.day.strftime("%Y-%m")))


@blueprint.post("/planning/accept")
@allow(*COORDINATION)
def accept_plan() -> Any:
    month = month_or_current(request.form.get("month"))
    days = dashboard.month_days(month.year, month.month)
    made = controls.accept(g.db, now(), caller().name, days[0], days[-1])
    flash(
        i18n.ngettext(
            "Proposal accepted: %(n)s person put on control days; the bot asks them.",
            "Proposal accepted: %(n)s people put on control days; the bot asks them.",
            made,
        )
    )
    _warn_if_bot_silent()
    return redirect(url_for("coordinator.planning_page", month=month.strftime("%Y-%m")))


@blueprint.post("/planning/shifts/<int:shift_id>/people")
@allow(*COORDINATION)
def change_person(shift_id: int) -> Any:
    change = parse(PersonChangeIn, form_data(request.form))
    if change.action == "add":
        controls.add_person(g.db, now(), caller().name, shift_id, change.inspector_id)
    else:
        controls.remove_person(g.db, now(), caller().name, shift_id, change.inspector_id)
    return redirect(safe_path(request.form.get("back")) or url_for("coordinator.planning_page"))


LEAVE_REASONS = (N_("leave"), N_("training"), N_("other work"))
"""The reasons for days off the bot offers, shown translated."""


@blueprint.route("/leave", methods=["GET", "POST"])
@allow(*COORDINATION)
def leave_page() -> Any:
    """Everyone's days off still to come, with a form to mark them for someone; a refusal in place."""
    values: dict[str, Any] = {"first": today().isoformat(), "last": today().isoformat()}
    problems: list[dict[str, str]] = []
    if request.method == "POST":
        values = form_data(request.form)
        try:
            asked = parse(LeaveIn, values)
            leave.mark(g.db, now(), caller().name, asked.inspector_id, asked.first, asked.last, asked.reason)
        except Invalid as invalid:
            problems = invalid.problems
        except ServiceError as refused:
            problems = [{"field": refused.field or "", "message": i18n.refusal(refused)}]
        else:
            flash(i18n.gettext("Days off recorded; no shifts are proposed or offered to them on those days."))
            return redirect(url_for("coordinator.leave_page"))
    marked = leave.upcoming(g.db, now())
    named = dashboard.first_names(g.db, (m.inspector_id for m in marked))
    page = render_template(
        "coordinator/leave.html",
        marked=marked,
        named=named,
        team=_team_names(),
        values=values,
        problems=problems,
    )
    return page, (422 if problems else 200)


@blueprint.post("/leave/<int:leave_id>/remove")
@allow(*COORDINATION)
def remove_leave(leave_id: int) -> Any:
    leave.remove(g.db, now(), caller().name, leave_id)
    flash(i18n.gettext("Days off removed."))
    return redirect(url_for("coordinator.leave_page"))


@blueprint.post("/planning/shifts/<int:shift_id>/move")
@allow(*COORDINATION)
def move_day(shift_id: int) -> Any:
    """Move a control day (its people are told and asked again); refused, the reason at the day."""

    def move() -> None:
        asked = parse(MoveIn, _day_form())
        starts_at, ends_at = asked.window()
        control_changes.move_control(g.db, now(), caller().name, shift_id, starts_at, ends_at, asked.reason)

    return _change_day(shift_id, move, N_("Control day moved; its people are told and asked again."))


@blueprint.post("/planning/shifts/<int:shift_id>/cancel")
@allow(*COORDINATION)
def cancel_day(shift_id: int) -> Any:
    """Cancel a control day (its people are told); refused, the reason at the day."""

    def cancel() -> None:
        asked = parse(CancelIn, _day_form())
        control_changes.cancel_control(g.db, now(), caller().name, shift_id, asked.reason)

    return _change_day(shift_id, cancel, N_("Control day cancelled; its people are told."))


def _day_form() -> dict[str, Any]:
    """The move or cancel form without the month it came from (that is where the page returns)."""
    return {k: v for k, v in form_data(request.form).items() if k != "month"}


def _change_day(shift_id: int, change: Any, done: str) -> Any:
    month = month_or_current(request.form.get("month"))
    try:
        change()
    except Invalid as invalid:
        problems = invalid.problems
    except ServiceError as refused:
        problems = [{"field": refused.field or "", "message": i18n.refusal(refused)}]
    else:
        flash(i18n.gettext(done))
        return redirect(url_for("coordinator.planning_page", month=month.strftime("%Y-%m")))
    return _planning(month, problems=problems, changing=shift_id), 422
