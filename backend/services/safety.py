"""The pair's safety during a shift: check-ins, "Veilig klaar", the alarm, the duress word, the risk note.

When a call-out's or a control day's shift starts, the bot asks its people (one of them is asked to
tap "We gaan naar binnen" at each address; both to tap "Veilig klaar" at the end; "Hulp nodig" is
there throughout). A missed check-out, an alarm and a duress check-out become alerts that climb the
ladder in `safety_ladder`. Nothing here stores a position or follows a phone: taps and times only.

The duress word is kept as a keyed digest (the key ring's index key, with the inspector's id in the
context) and compared with `hmac.compare_digest`. Typed instead of tapping "Veilig klaar", it is
answered exactly as a tap is (the same message, the same edit) and raises the alarm at once.

The services never see a button: a message says what it is about (`Message.about`), and the bot
picks its buttons (bot/keyboards.py).
"""

from __future__ import annotations

import hmac
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import (
    AlertKind,
    AlertOutcome,
    Assignment,
    Callout,
    DuressWord,
    Inspector,
    Municipality,
    OutboxMessage,
    RiskLevel,
    RiskNote,
    SafetyAlert,
    SafetyCheckIn,
    SafetyWatch,
    Shift,
    ShiftKind,
    ShiftStatus,
)
from backend.services import audit, offers, outbox, planning, retention, safety_ladder
from backend.services.errors import N_, NotFound, Refused
from backend.services.outbox import Message
from scheduling.calendar import local_instant
from secure_store import current_keyring

WATCHED_KINDS = (ShiftKind.CALLOUT, ShiftKind.CONTROL)
DURESS_AFTER_END = timedelta(hours=6)
"""The code word still raises the alarm this long after the planned end (a late check-out)."""
WORD_LENGTH = (4, 40)
NOTE_LENGTH = 500


OUTCOME_WORDS = {
    AlertOutcome.ALL_WELL: N_("Called, all well"),
    AlertOutcome.FORGOT: N_("Forgot to check out"),
    AlertOutcome.HELP_SENT: N_("Help sent (police)"),
    AlertOutcome.FALSE_ALARM: N_("False alarm"),
}
"""What happened, in words (message ids): the board's choices and the evaluation report's lines."""


@dataclass(frozen=True)
class Counts:
    """What the evaluation report counts per municipality."""

    missed_checkouts: int = 0
    alarms: int = 0
    duress: int = 0
    resolved: dict[str, int] | None = None


def ask_at_start(session: Session, now: datetime) -> int:
    """The job: at the start of every call-out and control day, ask its people; returns how many."""
    rows = session.execute(
        select(Assignment, Shift)
        .join(Shift, Shift.id == Assignment.shift_id)
        .outerjoin(SafetyWatch, SafetyWatch.assignment_id == Assignment.id)
        .where(
            SafetyWatch.id.is_(None),
            Shift.kind.in_(WATCHED_KINDS),
            Shift.status != ShiftStatus.CANCELLED,
            Shift.starts_at <= now,
            Shift.ends_at > now,
            Assignment.status.in_(planning.LIVE_ASSIGNMENTS),
        )
        .order_by(Shift.id, Assignment.is_report_writer.desc(), Assignment.id)
    ).all()
    asked, leads = 0, set()
    for assignment, shift in rows:
        if not _claim(session, now, assignment, shift):
            continue  # another run asked a moment ago
        is_lead = shift.id not in leads and not _has_lead(session, shift, assignment)
        leads.add(shift.id)
        person = session.get_one(Inspector, assignment.inspector_id)
        _ask(session, now, person, assignment, shift, is_lead)
        asked += 1
    return asked


def check_in(session: Session, now: datetime, inspector: Inspector, assignment_id: int) -> str:
    """ "We gaan naar binnen": a time, nothing more."""
    watch = _watch(session, inspector, assignment_id)
    if watch is None or watch.checked_out_at is not None:
        return "callback.safety_stale"
    session.add(SafetyCheckIn(shift_id=watch.shift_id, inspector_id=inspector.id, checked_in_at=now))
    return "callback.safety_in"


def check_out(session: Session, now: datetime, inspector: Inspector, assignment_id: int) -> str:
    """ "Veilig klaar": the watch ends; said in the chat so that the code word can look the same."""
    watch = _watch(session, inspector, assignment_id)
    if watch is None:
        return "callback.safety_stale"
    _close(session, now, inspector, watch)
    return "callback.safety_done"


def raise_alarm(session: Session, now: datetime, inspector: Inspector, assignment_id: int) -> str:
    """ "Hulp nodig": the coordinator hears at once, loudly, with the place."""
    watch = _watch(session, inspector, assignment_id)
    if watch is None:
        return "callback.safety_stale"
    shift = session.get_one(Shift, watch.shift_id)
    if not _open_alarm(session, shift, inspector):
        safety_ladder.raise_now(session, now, shift, AlertKind.ALARM, inspector)
    outbox.send(session, now, inspector, Message("safety.help_on_its_way", disable_notification=True))
    return "callback.safety_alarm"


def take_alert(session: Session, now: datetime, inspector: Inspector, alert_id: int) -> str:
    return safety_ladder.take(session, now, alert_id, f"inspector:{inspector.id}", inspector)


def resolve_alert(
    session: Session,
    now: datetime,
    actor: str,
    alert_id: int,
    outcome: AlertOutcome,
    inspector: Inspector | None = None,
) -> str:
    return safety_ladder.resolve(session, now, alert_id, actor, outcome, inspector)


# -- the duress word ----------------------------------------------------------------------


def set_duress_word(session: Session, now: datetime, inspector: Inspector, word: str | None) -> str:
    """Set (or with None remove) the private code word; returns the reply's template key."""
    found = session.execute(select(DuressWord).where(DuressWord.inspector_id == inspector.id)).scalar()
    if word is None:
        if found is not None:
            session.delete(found)
        audit.record(
            session,
            now,
            f"inspector:{inspector.id}",
            "safety.duress_word_removed",
            f"inspector:{inspector.id}",
        )
        return "safety.word_removed"
    cleaned = _normal(word)
    if not WORD_LENGTH[0] <= len(cleaned) <= WORD_LENGTH[1] or cleaned.startswith("/"):
        return "safety.word_refused"
    if found is None:
        found = DuressWord(inspector_id=inspector.id, mark="", set_at=now)
        session.add(found)
    found.mark, found.set_at = _mark(inspector.id, cleaned), now
    audit.record(
        session, now, f"inspector:{inspector.id}", "safety.duress_word_set", f"inspector:{inspector.id}"
    )
    return "safety.word_set"


def typed_during_shift(session: Session, now: datetime, inspector: Inspector, typed: str) -> bool:
    """Whether `typed` was the code word while a watch is on: then it is a check-out on the phone and
    an alarm for the coordinator. Compared in constant time; anything else is left to the caller."""
    stored = session.execute(select(DuressWord.mark).where(DuressWord.inspector_id == inspector.id)).scalar()
    watch = _current_watch(session, now, inspector)
    if stored is None or watch is None:
        return False
    if not hmac.compare_digest(stored, _mark(inspector.id, _normal(typed))):
        return False
    shift = session.get_one(Shift, watch.shift_id)
    safety_ladder.raise_now(session, now, shift, AlertKind.DURESS, inspector)
    _close(session, now, inspector, watch)
    return True


# -- the risk note ------------------------------------------------------------------------


def set_risk_note(
    session: Session, now: datetime, actor: str, shift_id: int, level: str, note: str
) -> RiskNote:
    """The police's risk analysis of a control; the pair reads it silently, protected."""
    shift = session.get(Shift, shift_id)
    if shift is None or shift.kind not in WATCHED_KINDS:
        raise NotFound("shift", "there is no such control", code="safety.no_control")
    try:
        chosen = RiskLevel(level)
    except ValueError:
        raise Refused("choose a risk level", field="level", code="safety.risk_level") from None
    if len(note) > NOTE_LENGTH:
        raise Refused(
            "the note is too long", field="note", code="safety.note_too_long", details={"limit": NOTE_LENGTH}
        )
    found = session.execute(select(RiskNote).where(RiskNote.shift_id == shift_id)).scalar()
    if found is not None and found.purged_at is not None:
        # Retention erased it and will not look at it again: a note typed in now would stay for good.
        raise Refused(
            "this control's risk note was erased after its retention time; it cannot be entered again",
            field="note",
            code="safety.note_erased",
        )
    if found is None:
        found = RiskNote(shift_id=shift_id, level=chosen, entered_by=actor, entered_at=now)
        session.add(found)
    found.level, found.note, found.entered_by, found.entered_at = chosen, note.strip() or None, actor, now
    session.flush()
    audit.record(session, now, actor, "safety.risk_note_set", f"shift:{shift_id}", {"level": chosen.value})
    if shift.ends_at > now:
        for assignment in _live(session, shift):
            _send_risk_note(session, now, shift, found, session.get_one(Inspector, assignment.inspector_id))
    return found


def risk_note(session: Session, shift_id: int) -> RiskNote | None:
    return session.execute(select(RiskNote).where(RiskNote.shift_id == shift_id)).scalar()


def purge_risk_notes(session: Session, now: datetime, kept: timedelta) -> int:
    """Erase the notes of call-outs whose details are erased (retention.purge_due, run just before),
    and of control days `kept` after their end (they have no call-out details); the outbox copies go
    blank too. Returns how many."""
    erased = select(Callout.shift_id).where(Callout.details_purged_at.is_not(None))
    notes = (
        session.execute(
            select(RiskNote)
            .join(Shift, Shift.id == RiskNote.shift_id)
            .where(
                RiskNote.purged_at.is_(None),
                RiskNote.shift_id.in_(erased)
                | ((Shift.kind == ShiftKind.CONTROL) & (Shift.ends_at < now - kept)),
            )
        )
        .scalars()
        .all()
    )
    for note in notes:
        note.note, note.purged_at = None, now
        copies = select(OutboxMessage).where(OutboxMessage.ref == _risk_ref(note.shift_id))
        for copy in session.scalars(copies):
            copy.payload = retention.BLANK_PAYLOAD  # through the object: a sealed value is bound to its row
        audit.record(session, now, "job:retention", "safety.risk_note_purged", f"shift:{note.shift_id}")
    return len(notes)


def forget_taps(session: Session, now: datetime, kept: timedelta) -> int:
    """Erase the check-ins and check-out watches of shifts that ended longer ago than `kept` (the
    alerts stay, for the evaluation's counts); returns how many rows went."""
    ended = select(Shift.id).where(Shift.ends_at < now - kept)
    open_alert = select(SafetyAlert.shift_id).where(SafetyAlert.resolved_at.is_(None))
    gone = 0
    for table in (SafetyCheckIn, SafetyWatch):
        done = session.execute(
            delete(table)
            .where(table.shift_id.in_(ended), table.shift_id.not_in(open_alert))
            .execution_options(synchronize_session=False)
        )
        gone += done.rowcount  # type: ignore[attr-defined]
    return gone


# -- the evaluation report's counts --------------------------------------------------------


def summary(session: Session, start: date, end: date) -> dict[str, Counts]:
    """Per municipality, for shifts planned to end in [start, end]: missed check-outs, alarms,
    duress check-outs, and resolved alerts by outcome. Counts only, no person."""
    since, until = (
        local_instant(start, datetime.min.time()),
        local_instant(end + timedelta(days=1), datetime.min.time()),
    )
    rows = session.execute(
        select(Shift.municipality_id, SafetyAlert.kind, SafetyAlert.outcome, func.count())
        .join(Shift, Shift.id == SafetyAlert.shift_id)
        .where(Shift.ends_at >= since, Shift.ends_at < until)
        .group_by(Shift.municipality_id, SafetyAlert.kind, SafetyAlert.outcome)
    ).all()
    tallies: dict[str, dict[str, int]] = {}
    resolved: dict[str, dict[str, int]] = {}
    for municipality_id, kind, outcome, count in rows:
        name = session.get_one(Municipality, municipality_id).name
        tally = tallies.setdefault(name, {})
        tally[kind.value] = tally.get(kind.value, 0) + count
        if outcome is not None:
            by = resolved.setdefault(name, {})
            by[outcome.value] = by.get(outcome.value, 0) + count
    return {
        name: Counts(
            t.get("missed_checkout", 0), t.get("alarm", 0), t.get("duress", 0), resolved.get(name, {})
        )
        for name, t in sorted(tallies.items())
    }


# -- inside ------------------------------------------------------------------------------


def _claim(session: Session, now: datetime, assignment: Assignment, shift: Shift) -> bool:
    try:
        with session.begin_nested():
            session.add(
                SafetyWatch(
                    assignment_id=assignment.id,
                    shift_id=shift.id,
                    inspector_id=assignment.inspector_id,
                    asked_at=now,
                )
            )
            session.flush()
    except IntegrityError:  # the assignment's watch is unique: another sweep has it
        return False
    return True


def _has_lead(session: Session, shift: Shift, assignment: Assignment) -> bool:
    """Whether someone else on this shift was already asked to check in (a sweep in between)."""
    return (
        session.execute(
            select(func.count())
            .select_from(SafetyWatch)
            .where(SafetyWatch.shift_id == shift.id, SafetyWatch.assignment_id != assignment.id)
        ).scalar_one()
        > 0
    )


def _ask(
    session: Session, now: datetime, inspector: Inspector, assignment: Assignment, shift: Shift, is_lead: bool
) -> None:
    when = planning.when(shift)
    outbox.send(
        session,
        now,
        inspector,
        Message(
            "safety.start_lead" if is_lead else "safety.start",
            {**when, "municipality": offers.municipality_name(session, shift)},
            about={"assignment": assignment.id, "asks_check_in": is_lead},
            heads_up="safety.start_alert",
        ),
        ref=_start_ref(assignment.id),
    )
    note = risk_note(session, shift.id)
    if note is not None:
        _send_risk_note(session, now, shift, note, inspector)


def _send_risk_note(
    session: Session, now: datetime, shift: Shift, note: RiskNote, inspector: Inspector
) -> None:
    """Silent and protected, once per person (a change edits it), deleted when the shift ends."""
    message = Message(
        "safety.risk_note",
        {"level": note.level.value, "note": note.note or "-"},
        protect_content=True,
        disable_notification=True,
    )
    ref = _risk_ref(shift.id)
    sent = session.execute(
        select(OutboxMessage.id).where(
            OutboxMessage.ref == ref,
            OutboxMessage.inspector_id == inspector.id,
            OutboxMessage.method == outbox.SEND,
        )
    ).first()
    if sent is not None:
        outbox.edit(session, now, inspector, ref, message)
        return
    outbox.send(session, now, inspector, message, ref=ref)
    outbox.delete(session, now, inspector, ref, not_before=shift.ends_at)


def _close(session: Session, now: datetime, inspector: Inspector, watch: SafetyWatch) -> None:
    """The check-out, as the phone shows it: a line in the chat and the buttons gone."""
    if watch.checked_out_at is None:
        watch.checked_out_at = now
    outbox.edit(session, now, inspector, _start_ref(watch.assignment_id), Message("safety.ended"))
    outbox.send(
        session,
        now,
        inspector,
        Message("safety.checked_out", {"time": safety_ladder.clock_time(now)}, disable_notification=True),
    )


def _watch(session: Session, inspector: Inspector, assignment_id: int) -> SafetyWatch | None:
    """This inspector's watch for that assignment; a forged id (someone else's) finds nothing."""
    return session.execute(
        select(SafetyWatch).where(
            SafetyWatch.assignment_id == assignment_id, SafetyWatch.inspector_id == inspector.id
        )
    ).scalar()


def _current_watch(session: Session, now: datetime, inspector: Inspector) -> SafetyWatch | None:
    return (
        session.execute(
            select(SafetyWatch)
            .join(Shift, Shift.id == SafetyWatch.shift_id)
            .where(
                SafetyWatch.inspector_id == inspector.id,
                Shift.starts_at <= now,
                Shift.ends_at > now - DURESS_AFTER_END,
            )
            .order_by(Shift.starts_at.desc())
        )
        .scalars()
        .first()
    )


def _open_alarm(session: Session, shift: Shift, inspector: Inspector) -> bool:
    return (
        session.execute(
            select(SafetyAlert.id).where(
                SafetyAlert.shift_id == shift.id,
                SafetyAlert.raised_by_id == inspector.id,
                SafetyAlert.kind == AlertKind.ALARM,
                SafetyAlert.resolved_at.is_(None),
            )
        ).first()
        is not None
    )


def _live(session: Session, shift: Shift) -> list[Assignment]:
    return list(
        session.execute(
            select(Assignment).where(
                Assignment.shift_id == shift.id, Assignment.status.in_(planning.LIVE_ASSIGNMENTS)
            )
        ).scalars()
    )


def _normal(word: str) -> str:
    return unicodedata.normalize("NFC", word).strip().casefold()


def _mark(inspector_id: int, cleaned: str) -> str:
    return current_keyring().blind_index(cleaned, f"duress_words.mark:{inspector_id}")


def _start_ref(assignment_id: int) -> str:
    return f"safety_start:{assignment_id}"


def _risk_ref(shift_id: int) -> str:
    return f"risk:{shift_id}"
