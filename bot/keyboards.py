"""Inline keyboards: which buttons a message shows, apart from the handlers that take the taps.

Two sources. A service says what its message asks about (`Message.about`, the
domain's ids and versions) and `for_message` picks the buttons that go with the
template when the sender delivers it. The bot's own conversations (bot/conversations)
attach their rows directly, built from `Button`s here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.callbacks import (
    AlertTap,
    CallbackData,
    CalloutAction,
    ControlAnswer,
    HoursStep,
    OfferAnswer,
    ReportStep,
    ShiftTap,
)

Rows = list[list["Button"]]

REPORT_DURATIONS = (30, 60, 90, 120, 180, 240)
"""How long writing a report took: one tap per usual duration."""


@dataclass(frozen=True)
class Button:
    label: str
    """A template key, rendered in the recipient's language."""
    data: CallbackData
    """What a tap sends back."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Fills the label's placeholders ("{start}-{end}")."""

    def as_json(self) -> list[Any]:
        """As the outbox stores it: [label, callback data, label parameters]."""
        return [self.label, self.data.encode(), dict(self.params)]


def in_rows(buttons: Sequence[Button], per_row: int) -> Rows:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def hours_text(minutes: int) -> str:
    """Minutes as "h:mm" ("-0:15" below zero)."""
    sign = "-" if minutes < 0 else ""
    whole, rest = divmod(abs(int(minutes)), 60)
    return f"{sign}{whole}:{rest:02d}"


def offer_answers(about: Mapping[str, Any]) -> Rows:
    """Accept / Decline, for the offer as it stood."""
    offer, version = about["offer"], about["version"]
    return [
        [
            Button("button.accept", OfferAnswer(offer, version, accept=True)),
            Button("button.decline", OfferAnswer(offer, version, accept=False)),
        ]
    ]


def escalation(about: Mapping[str, Any]) -> Rows:
    """Widen or cancel, or pick someone to assign."""
    callout, version = about["callout"], about["version"]
    return [
        [
            Button("button.widen", CalloutAction(callout, version, "widen")),
            Button("button.cancel", CalloutAction(callout, version, "cancel")),
        ],
        [Button("button.assign", CalloutAction(callout, version, "choose"))],
    ]


def widened(about: Mapping[str, Any]) -> Rows:
    """After widening there is nobody more to ask: cancel, or pick someone."""
    callout, version = about["callout"], about["version"]
    return [
        [Button("button.cancel", CalloutAction(callout, version, "cancel"))],
        [Button("button.assign", CalloutAction(callout, version, "choose"))],
    ]


def assign_whom(about: Mapping[str, Any]) -> Rows:
    """One button per person the coordinator may assign (first name, "trained" marked), two a row."""
    callout, version = about["callout"], about["version"]
    people = [
        Button(
            "button.person_trained" if trained else "button.label",
            CalloutAction(callout, version, "assign", inspector_id),
            {"label": first_name},
        )
        for inspector_id, first_name, trained in about["people"]
    ]
    return in_rows(people, 2)


def control_request(about: Mapping[str, Any]) -> Rows:
    """I can go / I cannot make it, for the assignment as it stood."""
    assignment, version = about["assignment"], about["version"]
    return [
        [
            Button("button.can_go", ControlAnswer(assignment, version, can_go=True)),
            Button("button.cannot", ControlAnswer(assignment, version, can_go=False)),
        ]
    ]


def control_confirmed(about: Mapping[str, Any]) -> Rows:
    """A confirmed day can still be given up."""
    return [[Button("button.cannot", ControlAnswer(about["assignment"], about["version"], can_go=False))]]


def hours_ask(about: Mapping[str, Any]) -> Rows:
    """The planned hours are right (one tap), or correct them."""
    assignment, version = about["assignment"], about["version"]
    return [
        [Button("button.hours_ok", HoursStep(assignment, version, ("ok",)), about["planned"])],
        [Button("button.correct", HoursStep(assignment, version, ("fix",)))],
    ]


def hours_recorded(about: Mapping[str, Any]) -> Rows:
    return [[Button("button.correct", HoursStep(about["assignment"], about["version"], ("fix",)))]]


def report_durations(about: Mapping[str, Any]) -> Rows:
    """How long the report took: one tap per usual duration."""
    made = [
        Button("button.duration", ReportStep(about["report"], m), {"duration": hours_text(m)})
        for m in REPORT_DURATIONS
    ]
    return [made[:3], made[3:]]


def safety_at_start(about: Mapping[str, Any]) -> Rows:
    """At a shift's start: "We gaan naar binnen" for the one who checks in, "Veilig klaar" and "Hulp
    nodig" for both; one to a row, a thumb finds them in the dark."""
    assignment = about["assignment"]
    going_in = [[Button("button.safety_in", ShiftTap("in", assignment))]] if about["asks_check_in"] else []
    return [
        *going_in,
        [Button("button.safety_done", ShiftTap("out", assignment))],
        [Button("button.safety_help", ShiftTap("help", assignment))],
    ]


def safety_take(about: Mapping[str, Any]) -> Rows:
    """An alert climbs until a person takes it."""
    return [[Button("button.safety_take", AlertTap(about["alert"]))]]


def safety_outcomes(about: Mapping[str, Any]) -> Rows:
    """What happened, once taken: one outcome to a row."""
    return [[Button(f"outcome.{o.value}", AlertTap(about["alert"], o))] for o in AlertTap.OUTCOMES]


BY_TEMPLATE: dict[str, Callable[[Mapping[str, Any]], Rows]] = {
    "offer.details": offer_answers,
    "offer.cover_details": offer_answers,
    "offer.reminder": offer_answers,
    "offer.cover_reminder": offer_answers,
    "coordinator.escalation": escalation,
    "coordinator.widened": widened,
    "coordinator.assign_whom": assign_whom,
    "control.ask": control_request,
    "control.unconfirmed": control_request,
    "control.confirmed": control_confirmed,
    "hours.ask": hours_ask,
    "hours.recorded": hours_recorded,
    "report.ask": report_durations,
    "report.returned": report_durations,
    "report.recorded": report_durations,
    "safety.start": safety_at_start,
    "safety.start_lead": safety_at_start,
    "safety.missed_checkout": safety_take,
    "safety.alarm": safety_take,
    "safety.duress": safety_take,
    "safety.what_happened": safety_outcomes,
}
"""The answers each service message offers, by its template."""


def for_message(template: str, about: Mapping[str, Any]) -> Rows:
    """The buttons for a service's message; none for a template that asks nothing."""
    build = BY_TEMPLATE.get(template)
    return build(about) if build is not None and about else []
