"""Refusals and wrong input as a page shows them: by code, in the page's language, next to the field.

Services name their refusals (`ServiceError.own_code`, or the core's `reason`), the input models
name what does not fit (pydantic's error type, or our own code); the catalog words each. The API
keeps the plain English and the codes.
"""

from __future__ import annotations

from typing import Any

from backend.services.errors import ServiceError
from backend.web import i18n
from backend.web.i18n import N_
from backend.web.schemas import FORM_BREAKS

REFUSALS = {
    "not_yours": N_("Your own hours are approved by finance or the admin; nobody approves their own hours."),
    "source_not_listed": N_("This source is not in the team's profile; choose one from the list."),
    "callout_closed": N_("This call-out is no longer open; reload the board."),
    "may_not_go": N_(
        "This inspector may not go on this call-out: not designated here, or the working-time "
        "law does not allow it. Choose someone else."
    ),
    "may_not_go_day": N_("This inspector may not go on this day (%(reason)s). Choose someone else."),
    "not_participating": N_("Choose a municipality that takes part."),
    "window_length": N_("The end must come after the start, at most 12 hours later."),
    "window_passed": N_("This time has already passed; choose an end in the future."),
    "whole_minutes": N_("Give times in whole minutes (14:00), without seconds."),
    "location_length": N_("Give the address, at most %(limit)s characters."),
    "notes_length": N_("Notes are at most %(limit)s characters."),
    "no_callout": N_("This call-out does not exist (any more); reload the board."),
    "planned_ahead": N_("A control day is planned ahead: choose a day in the future."),
    "not_on_day": N_("This inspector is not on this day (any more); reload the page."),
    "no_control_day": N_("This control day does not exist (any more); reload the page."),
    "breaks_too_long": N_("Breaks are at most %(limit)s minutes together."),
    "no_entry": N_("This hour entry does not exist (any more); reload the page."),
    "entry_approved": N_("These hours are approved; only the coordinator can correct them."),
    "period_closed": N_("The period containing %(day)s is closed; its hours can no longer change."),
    "period_order": N_("The end of the period lies before its start; swap the dates."),
    "hours_waiting": N_(
        "Hours in this period still wait for approval: approve or correct them first, then close the period."
    ),
    "period_overlaps": N_("This period overlaps a period that is already closed; start after it."),
    "report_unwritten": N_("This report has not been written yet; review it once the pair has sent it."),
    "designation_order": N_("A designation cannot end before it starts."),
    "own_account": N_("You cannot switch off your own account."),
    "budget_empty": N_("The budget has no lines; enter them on the budget page."),
    "one_coordinating": N_(
        "The budget needs exactly one participating coordinating municipality (it pays "
        "the fixed costs and the coordinator); mark one on the team page."
    ),
    "budget_changes": N_("The budget changes on %(day)s; settle each part separately (choose a quarter)."),
    "no_ort_tables": N_("No allowance (ORT) table is loaded; load the team's profile (piket profile load)."),
    "no_budget": N_("There is no budget for this year; load or enter it first."),
    "no_plan": N_("There is no plan for this year; load or enter it first."),
}
"""The services' refusals (their `code`) in words a coordinator or finance can act on."""

INPUT = {
    "missing": N_("Fill this in."),
    "int_parsing": N_("Give a whole number."),
    "int_type": N_("Give a whole number."),
    "int_from_float": N_("Give a whole number."),
    "date_parsing": N_("Give a date."),
    "date_from_datetime_parsing": N_("Give a date."),
    "date_from_datetime_inexact": N_("Give a date."),
    "date_type": N_("Give a date."),
    "time_parsing": N_("Give a time such as 14:00."),
    "time_type": N_("Give a time such as 14:00."),
    "string_too_short": N_("Give at least %(min_length)s characters."),
    "string_too_long": N_("Give at most %(max_length)s characters."),
    "string_pattern_mismatch": N_("This is not written as the field expects; check the example next to it."),
    "greater_than_equal": N_("Give %(ge)s or more."),
    "less_than_equal": N_("Give %(le)s or less."),
    "enum": N_("Choose one of the options."),
    "literal_error": N_("Choose one of the options."),
    "bool_parsing": N_("Choose yes or no."),
    "too_short": N_("Tick at least one."),
    "too_long": N_("Too many at once; choose fewer."),
    "extra_forbidden": N_("This field is not expected here."),
    "zoned_time": N_("Give the local time, without a time zone."),
    "whole_minutes": N_("Give times in whole minutes (14:00), without seconds."),
    "period_order": N_("The end of the period lies before its start; swap the dates."),
    "period_too_long": N_("A period is at most a year; choose a shorter one."),
    "designation_order": N_("A designation cannot end before it starts."),
    "cap_shortfall": N_("A money cap needs who bears its shortfall, and only a cap does."),
    "cap_money_only": N_("Only a contribution in money can be capped."),
    "taking_part_order": N_("Taking part must end after it begins."),
    "range_order": N_("The end lies before the start, or more than a year after it."),
}
"""What does not fit an input model (pydantic's error type, or the model's own code), as advice."""

WHOLE_MODEL = {
    "period_order": "period_end",
    "period_too_long": "period_end",
    "designation_order": "valid_until",
    "taking_part_order": "taking_part_until",
    "range_order": "end",
}
"""A check of the whole model belongs to the field a person would change."""

FORM_FIELDS = {"starts_at": "start", "ends_at": "end"}
"""The services' names for what the forms ask as a day and clock times."""

LABELS = {
    "year": N_("Year"),
    "quarter": N_("Quarter"),
    "mode": N_("Basis"),
    "period_start": N_("First day"),
    "period_end": N_("Last day"),
    "day": N_("Day"),
    "start": N_("From"),
    "end": N_("Until"),
    "location": N_("Address of the premises"),
    "notes": N_("Notes"),
    "municipality_id": N_("Municipality"),
    "inspector_id": N_("Inspector"),
    "source": N_("Source"),
    "reason": N_("Reason"),
    "entry_ids": N_("Hour entries"),
    "category": N_("Category"),
    "hours": N_("Hours"),
    "rate": N_("Rate"),
    "flat_ort": N_("ORT share, percent"),
    "overhead_per_hour": N_("Overhead per hour"),
    "fixed": N_("Fixed costs"),
}
"""Field names as the forms label them, for a problem shown away from its field."""


def refused(error: ServiceError) -> list[dict[str, str]]:
    """A service's refusal as one problem of the form: its field (as the form names it), in words."""
    return [_labelled(FORM_FIELDS.get(error.field or "", error.field or ""), refusal_text(error))]


def refusal_text(error: ServiceError) -> str:
    wording = REFUSALS.get(error.own_code or "")
    if wording is None:  # the page has no advice of its own: the refusal as the service words it
        return i18n.refusal(error)
    reason = i18n.reason(error.reason) if error.reason is not None else ""
    return i18n.gettext(wording, **{**error.details, "reason": reason})


def invalid(problems: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Input problems (from `schemas.parse`) in the page's language, each at the field to change."""
    return [_problem(p) for p in problems]


def _problem(problem: dict[str, Any]) -> dict[str, str]:
    code = problem.get("code", "")
    field = _form_field(problem["field"] or WHOLE_MODEL.get(code, ""))
    wording = INPUT.get(code, N_("This value does not fit; check it."))
    try:
        return _labelled(field, i18n.gettext(wording, **problem.get("params", {})))
    except KeyError:
        return _labelled(field, i18n.translate(wording))


def _labelled(field: str, message: str) -> dict[str, str]:
    """A problem: the form's field, the advice, and the field's label for where it is shown apart."""
    label = i18n.translate(LABELS[field]) if field in LABELS else ""
    return {"field": field, "message": message, "label": label}


def labelled(problems: list[dict[str, str]]) -> list[str]:
    """Problems as sentences that name their field, for a notice away from the form."""
    return [f"{p['label']}: {p['message']}" if p.get("label") else p["message"] for p in problems]


def _form_field(field: str) -> str:
    """The correction form's name of a break's field: `breaks.1.start` is `break2_start`."""
    parts = field.split(".")
    if len(parts) == 3 and parts[0] == "breaks" and parts[1].isdigit() and int(parts[1]) < len(FORM_BREAKS):
        start, end = FORM_BREAKS[int(parts[1])]
        return start if parts[2] == "start" else end
    return field
