"""One-tap answers: a typed button in, one service verb, the callback answer out (a template key
and its parameters). The walks of several taps are in bot/conversations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.models import Inspector
from backend.services import callouts, controls, safety
from backend.services.errors import Refused
from backend.services.outbox import Addressee
from bot.callbacks import AlertTap, CalloutAction, ControlAnswer, OfferAnswer, ShiftTap

Answer = tuple[str, dict[str, Any]]
"""A tap's answer: template key and parameters."""
STALE: Answer = ("callback.stale", {})
ANSWER_TEXTS = {answer: f"callback.{answer.value}" for answer in callouts.Answer}
ANSWER_TEXTS[callouts.Answer.STALE] = "callback.stale"


def answer_offer(session: Session, now: datetime, tapper: Addressee, tap: OfferAnswer) -> Answer:
    """Accept or decline an offered shift."""
    answer = callouts.answer_offer(session, now, tapper.id, tap.offer_id, tap.version, accept=tap.accept)
    return ANSWER_TEXTS[answer], {}


def act_on_callout(session: Session, now: datetime, coordinator: Inspector, tap: CalloutAction) -> Answer:
    """A coordinator's button on an escalation, only while the call-out is as the button saw it;
    stale for anyone else, a changed call-out, or one the verb refuses (closed, may not go)."""
    if not coordinator.is_coordinator or not callouts.is_as_seen(session, tap.callout_id, tap.version):
        return STALE
    actor = f"inspector:{coordinator.id}"
    try:
        if tap.verb == "widen":
            return "callback.widened", {"more": callouts.widen(session, now, actor, tap.callout_id)}
        if tap.verb == "cancel":
            callouts.cancel(session, now, actor, tap.callout_id)
        elif tap.verb == "choose":
            callouts.send_assign_choices(session, now, coordinator, tap.callout_id)
        elif tap.inspector_id is not None:
            callouts.assign(session, now, actor, tap.callout_id, tap.inspector_id)
    except Refused:
        return STALE
    return "callback.done", {}


def answer_control_day(session: Session, now: datetime, inspector: Inspector, tap: ControlAnswer) -> Answer:
    """I can go, or I cannot make it (then a cover is asked for)."""
    verb = controls.confirm_day if tap.can_go else controls.request_cover
    return verb(session, now, inspector.id, tap.assignment_id, tap.version), {}


def safety_shift(session: Session, now: datetime, inspector: Inspector, tap: ShiftTap) -> Answer:
    """We go in, safely done, or help needed: for the tapper's own assignment only (the service checks)."""
    if tap.verb == "in":
        return safety.check_in(session, now, inspector, tap.assignment_id), {}
    if tap.verb == "out":
        return safety.check_out(session, now, inspector, tap.assignment_id), {}
    return safety.raise_alarm(session, now, inspector, tap.assignment_id), {}


def safety_alert(session: Session, now: datetime, inspector: Inspector, tap: AlertTap) -> Answer:
    """Take an alert (the first tap owns it), or say what happened once taken."""
    if tap.outcome is None:
        return safety.take_alert(session, now, inspector, tap.alert_id), {}
    return safety.resolve_alert(
        session, now, f"inspector:{inspector.id}", tap.alert_id, tap.outcome, inspector
    ), {}
