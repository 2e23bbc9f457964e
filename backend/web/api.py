"""The JSON API under /api/v1: the pages' operations for scripts and finance's tools.

Callers send `Authorization: Bearer <token>` (a scoped API token) or use their
web session (then changing requests need the X-CSRF-Token header). Input is
checked by the same models as the pages; a wrong field is a 422 naming it.
The OpenAPI document is generated from the routes below and those models.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, current_app, g, jsonify, request
from pydantic import BaseModel

from backend.models import Report, Role, Shift
from backend.services import (
    callouts,
    control_changes,
    dashboard,
    disclosures,
    findings,
    leave,
    ledger,
    reports,
    settlement,
    work_hours,
)
from backend.services.control_changes import ChangeView
from backend.services.dashboard import CalloutView, ShiftView
from backend.services.exports import LEDGER_HEADER, ledger_count, ledger_rows
from backend.services.leave import Leave
from backend.web.access import PUBLIC, allow, caller
from backend.web.common import now
from backend.web.finance import ledger_filter
from backend.web.openapi import Operation, document
from backend.web.schemas import (
    AddressCheckIn,
    CalloutCancelIn,
    CalloutIn,
    CancelIn,
    ControlRecordIn,
    CorrectionIn,
    DisclosureQuery,
    EntryIdsIn,
    HandOverIn,
    Invalid,
    LeaveIn,
    LeaveQuery,
    LedgerExportQuery,
    LedgerQuery,
    MoveIn,
    PageQuery,
    PeriodIn,
    ReturnIn,
    RosterQuery,
    SettlementExportQuery,
    SettlementQuery,
    WorkIn,
    parse,
)
from backend.web.schemas_out import (
    ApprovedOut,
    CalloutMadeOut,
    ControlRecordOut,
    LedgerEntryOut,
    LockOut,
    PendingEntryOut,
    RecentControlOut,
    ReportOut,
    SettlementOut,
    as_json,
    page_of,
)
from scheduling.calendar import local_date, local_day_start

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
OPERATIONS: list[Operation] = []
COORDINATION = (Role.COORDINATOR,)
READERS = (Role.FINANCE, Role.AUDITOR, Role.COORDINATOR)


def operation(
    method: str,
    path: str,
    roles: Sequence[Role],
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    out: Any = None,
    status: int = 200,
    paged: bool = False,
) -> Callable[[Any], Any]:
    """Register a route, its roles and its place in the OpenAPI document in one go."""

    def decorate(view: Any) -> Any:
        made = Operation(method, path, summary, [r.value for r in roles], body, query, out, status, paged)
        OPERATIONS.append(made)
        known = made.query_names()

        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            # The document lists every parameter; one it does not list is a mistake to say, not to ignore.
            unknown = sorted(set(request.args) - known)
            if unknown:
                raise Invalid([{"field": name, "message": "unknown parameter"} for name in unknown])
            return view(*args, **kwargs)

        flask_path = path.replace("{", "<int:").replace("}", ">")
        return blueprint.route(flask_path, methods=[method])(allow(*roles)(checked))

    return decorate


def json_body(optional: bool = False) -> Any:
    """The request's JSON; a body that is not JSON is a 400. An optional body may be left out ({})."""
    if optional and not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if data is None:
        abort(400, description="the body must be a JSON object")
    return data


def _args(model: type[BaseModel]) -> Any:
    """The query's parameters for this model (others, such as paging, belong to another model)."""
    wanted = {k: v for k, v in request.args.items() if k in model.model_fields}
    return parse(model, wanted, keep_empty=True)  # type: ignore[arg-type]


@blueprint.get("/openapi.json")
@allow(PUBLIC)
def openapi() -> Any:
    return current_app.response_class(_published(), mimetype="application/json")


@functools.cache
def _published() -> str:
    """The document as sent: the same for every request of this process (the operations are all
    registered when this module is imported), and about half a second of work to build."""
    return json.dumps(document(OPERATIONS), sort_keys=True)


@operation(
    "GET",
    "/callouts",
    COORDINATION,
    "Open and recent call-outs with their live state",
    query=PageQuery,
    out=CalloutView,
    paged=True,
)
def list_callouts() -> Any:
    paging = _args(PageQuery)
    views = dashboard.callouts(g.db, now())
    return jsonify(page_of(views, paging.page, paging.per_page))


@operation(
    "POST",
    "/callouts",
    COORDINATION,
    "Create a call-out and offer it; says when its address was controlled recently",
    body=CalloutIn,
    out=CalloutMadeOut,
    status=201,
)
def create_callout() -> Any:
    asked = parse(CalloutIn, json_body())
    recent = findings.recent_control(g.db, now(), asked.location)  # before it counts itself
    made = callouts.create_callout(g.db, now(), caller().name, asked.to_service())
    g.db.flush()
    view = dashboard.callouts(g.db, now(), [made.id])[0]
    return jsonify(as_json(CalloutMadeOut(**vars(view), recently_controlled=recent))), 201


@operation("GET", "/callouts/{callout_id}", COORDINATION, "One call-out's live state", out=CalloutView)
def get_callout(callout_id: int) -> Any:
    found = dashboard.callouts(g.db, now(), [callout_id])
    if not found:
        abort(404, description="no call-out with this id")
    return jsonify(as_json(found[0]))


@operation(
    "POST",
    "/callouts/{callout_id}/cancel",
    COORDINATION,
    "Cancel a call-out, with a reason if given",
    body=CalloutCancelIn,
    out=CalloutView,
)
def cancel_callout(callout_id: int) -> Any:
    asked = parse(CalloutCancelIn, json_body(optional=True))
    callouts.cancel(g.db, now(), caller().name, callout_id, asked.reason)
    return get_callout(callout_id)


@operation(
    "GET",
    "/roster",
    (Role.COORDINATOR, Role.ADMIN),
    "Shifts with their people (first names)",
    query=RosterQuery,
    out=ShiftView,
    paged=True,
)
def roster() -> Any:
    wanted = _args(RosterQuery)
    views = dashboard.shifts_between(
        g.db, local_day_start(wanted.start), local_day_start(wanted.end + timedelta(days=1))
    )
    return jsonify(page_of(views, wanted.page, wanted.per_page))


@operation(
    "GET",
    "/hours/pending",
    COORDINATION,
    "Hour entries waiting for approval, one line per entry",
    query=PeriodIn,
    out=PendingEntryOut,
    paged=True,
)
def pending_hours() -> Any:
    period = _args(PeriodIn)
    lines = ledger.pending(g.db, period.period_start, period.period_end)
    paging = _args(PageQuery)
    return jsonify(page_of([PendingEntryOut.of(line) for line in lines], paging.page, paging.per_page))


@operation(
    "POST",
    "/hours/approve",
    COORDINATION,
    "Approve hour entries with their earlier versions",
    body=EntryIdsIn,
    out=ApprovedOut,
)
def approve_hours() -> Any:
    chosen = parse(EntryIdsIn, json_body())
    own = work_hours.own_inspector(g.db, caller().user_id)
    return jsonify(
        approved=ledger.approve_many(
            g.db, now(), caller().name, chosen.entry_ids, role=caller().role, own_inspector_id=own
        )
    )


@operation(
    "POST",
    "/hours/work",
    COORDINATION,
    "Book work outside shifts (coordination, preparation, training, peer review) to approve",
    body=WorkIn,
    out=PendingEntryOut,
    status=201,
)
def record_work() -> Any:
    asked = parse(WorkIn, json_body())
    starts_at, ends_at = asked.window()
    entry = work_hours.record_work(
        g.db,
        now(),
        caller().name,
        inspector_id=asked.inspector_id,
        category=asked.category,
        starts_at=starts_at,
        ends_at=ends_at,
        breaks=asked.break_spans(),
    )
    return jsonify(PendingEntryOut.of(ledger.Pending(entry, ())).model_dump(mode="json")), 201


@operation(
    "POST",
    "/hours/{entry_id}/correct",
    COORDINATION,
    "Correct an hour entry (times and breaks where they were taken); the old one is reversed",
    body=CorrectionIn,
    out=PendingEntryOut,
    status=201,
)
def correct_hours(entry_id: int) -> Any:
    asked = parse(CorrectionIn, json_body())
    starts_at, ends_at = asked.window()
    corrected = ledger.correct(
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
    # Answered as its line of the approval list: unapproved, it waits together with what it replaces.
    day = local_date(corrected.counts_at)
    line = next(
        (line for line in ledger.pending(g.db, day, day) if line.entry.id == corrected.id),
        ledger.Pending(corrected, ()),
    )
    return jsonify(PendingEntryOut.of(line).model_dump(mode="json")), 201


@operation(
    "POST",
    "/reports/{report_id}/return",
    COORDINATION,
    "Send a written report back to its writer with a remark (told in the bot, silently)",
    body=ReturnIn,
    out=ReportOut,
)
def return_report(report_id: int) -> Any:
    asked = parse(ReturnIn, json_body())
    reports.send_back(g.db, now(), caller().name, report_id, asked.remark)
    return jsonify(ReportOut.of(g.db.get_one(Report, report_id)).model_dump(mode="json"))


@operation(
    "POST",
    "/reports/{report_id}/hand-over",
    COORDINATION,
    "Record that a reviewed report was handed to the municipality where the finding was made",
    body=HandOverIn,
    out=ReportOut,
)
def hand_over_report(report_id: int) -> Any:
    asked = parse(HandOverIn, json_body())
    reports.hand_over(g.db, now(), caller().name, report_id, asked.municipality_id, asked.handed_over_on)
    return jsonify(ReportOut.of(g.db.get_one(Report, report_id)).model_dump(mode="json"))


@operation(
    "POST",
    "/periods/lock",
    (Role.COORDINATOR, Role.FINANCE),
    "Close a period",
    body=PeriodIn,
    out=LockOut,
    status=201,
)
def lock_period() -> Any:
    period = parse(PeriodIn, json_body())
    lock = ledger.lock_period(g.db, now(), caller().name, period.period_start, period.period_end)
    return jsonify(LockOut.of(lock).model_dump(mode="json")), 201


def _disclose(kind: str, asked: DisclosureQuery, scope: dict[str, Any]) -> None:
    disclosures.record(
        g.db,
        at=now(),
        actor=caller().name,
        kind=kind,
        receiver=asked.receiver,
        purpose=asked.purpose,
        scope=scope,
    )


@operation(
    "GET",
    "/ledger",
    READERS,
    "Ledger entries with filters (inspectors by pseudonym); recorded in the register of disclosures",
    query=LedgerExportQuery,
    out=LedgerEntryOut,
    paged=True,
)
def ledger_entries() -> Any:
    asked = _args(LedgerExportQuery)
    fields = LedgerQuery.model_fields
    wanted = ledger_filter(asked.model_dump(include=set(fields)))
    _disclose("ledger.json", asked, asked.model_dump(mode="json", include=set(fields), exclude_defaults=True))
    paging = _args(PageQuery)
    rows = ledger_rows(g.db, wanted, offset=(paging.page - 1) * paging.per_page, limit=paging.per_page)
    chosen = [LedgerEntryOut.of(dict(zip(LEDGER_HEADER, row, strict=True))) for row in rows]
    return jsonify(page_of(chosen, paging.page, paging.per_page, total=ledger_count(g.db, wanted)))


@operation(
    "GET",
    "/settlement",
    READERS,
    "The settlement per municipality; recorded in the register of disclosures",
    query=SettlementExportQuery,
    out=SettlementOut,
)
def settlement_result() -> Any:
    wanted = _args(SettlementExportQuery)
    _disclose("settlement.json", wanted, wanted.model_dump(include=set(SettlementQuery.model_fields)))
    result = settlement.settle(g.db, wanted.year, wanted.quarter, wanted.mode)
    return jsonify(SettlementOut.of(result).model_dump(mode="json"))


@operation(
    "GET",
    "/leave",
    COORDINATION,
    "Days off still to come (everyone's, or one inspector's)",
    query=LeaveQuery,
    out=Leave,
    paged=True,
)
def list_leave() -> Any:
    wanted = _args(LeaveQuery)
    return jsonify(page_of(leave.upcoming(g.db, now(), wanted.inspector_id), wanted.page, wanted.per_page))


@operation(
    "POST", "/leave", COORDINATION, "Mark days off for an inspector", body=LeaveIn, out=Leave, status=201
)
def mark_leave() -> Any:
    asked = parse(LeaveIn, json_body())
    marked = leave.mark(g.db, now(), caller().name, asked.inspector_id, asked.first, asked.last, asked.reason)
    return jsonify(as_json(marked)), 201


@operation("DELETE", "/leave/{leave_id}", COORDINATION, "Remove days off")
def remove_leave(leave_id: int) -> Any:
    leave.remove(g.db, now(), caller().name, leave_id)
    return jsonify(removed=leave_id)


@operation(
    "POST",
    "/controls/{shift_id}/move",
    COORDINATION,
    "Move a control day; its people are told and asked again",
    body=MoveIn,
    out=ChangeView,
)
def move_control(shift_id: int) -> Any:
    asked = parse(MoveIn, json_body())
    starts_at, ends_at = asked.window()
    change = control_changes.move_control(
        g.db, now(), caller().name, shift_id, starts_at, ends_at, asked.reason
    )
    return jsonify(as_json(control_changes.view_of(g.db, change)))


@operation(
    "POST",
    "/controls/{shift_id}/cancel",
    COORDINATION,
    "Cancel a control day; its people are told",
    body=CancelIn,
    out=ChangeView,
)
def cancel_control(shift_id: int) -> Any:
    asked = parse(CancelIn, json_body())
    change = control_changes.cancel_control(g.db, now(), caller().name, shift_id, asked.reason)
    return jsonify(as_json(control_changes.view_of(g.db, change)))


@operation(
    "GET",
    "/controls/changes",
    COORDINATION,
    "Shifts moved or cancelled, by their old or new day",
    query=RosterQuery,
    out=ChangeView,
    paged=True,
)
def control_changes_list() -> Any:
    wanted = _args(RosterQuery)
    changes = control_changes.changes_between(
        g.db, local_day_start(wanted.start), local_day_start(wanted.end + timedelta(days=1))
    )
    return jsonify(page_of(changes, wanted.page, wanted.per_page))


@operation(
    "PUT",
    "/controls/{shift_id}/findings",
    COORDINATION,
    "Record what a control found: police or administrative only, partners, each address's outcome "
    "(no address is kept; one given is hashed for the repeat warning)",
    body=ControlRecordIn,
    out=ControlRecordOut,
)
def record_findings(shift_id: int) -> Any:
    given = parse(ControlRecordIn, json_body())
    record = findings.record_control(
        g.db,
        now(),
        caller().name,
        shift_id,
        is_with_police=given.is_with_police,
        partners=given.partners,
        addresses=[a.to_service() for a in given.addresses],
    )
    return jsonify(ControlRecordOut.of(record, g.db.get_one(Shift, shift_id)).model_dump(mode="json"))


@operation(
    "GET",
    "/controls/{shift_id}/findings",
    COORDINATION,
    "What a control found, as recorded",
    out=ControlRecordOut,
)
def get_findings(shift_id: int) -> Any:
    record = findings.record_of(g.db, shift_id)
    if record is None:
        abort(404, description="nothing is recorded for this control")
    return jsonify(ControlRecordOut.of(record, g.db.get_one(Shift, shift_id)).model_dump(mode="json"))


@operation(
    "POST",
    "/addresses/check",
    COORDINATION,
    "Whether an address was controlled in the team's warning period (the address is not stored)",
    body=AddressCheckIn,
    out=RecentControlOut,
)
def check_address() -> Any:
    asked = parse(AddressCheckIn, json_body())
    found = findings.recent_control(g.db, now(), asked.address)
    return jsonify(RecentControlOut(recently_controlled=found).model_dump(mode="json"))
