"""The report writer records what a control found in the bot (/bevindingen): a few taps per address.

Every choice travels in the callback data (`FindingsStep`), so nothing is kept between taps:
"f:<shift>[:<with>[:<addresses>[:ok]]]". `with` is "p" (with the police) or "a" (administrative
only) followed by the partners chosen, a bit mask over the profile's organisations in their order
("p5": the first and the third). `addresses` is one token per address, joined by ".": "n" (nobody
present), "o" (no violation) or "v<i>" (a violation, followed up by the i-th participating
municipality by name), then "s"/"x" (a signal of human trafficking passed to the police, or not) and
"c"/"x" (care offered, or not). Nobody present asks nothing more. A signal said in the bot is timed at
the end of the control (or the tap, if earlier); the coordinator can correct the time on the web.

At most `MOST` addresses fit in the callback data (a control day covers 4-5); more go through the web.
Nothing here names a person or an address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import ControlRecord, Inspector, Municipality, Outcome, Report, Shift, ShiftStatus
from backend.services import findings, outbox, planning, profile
from backend.services.errors import ServiceError
from backend.services.findings import AddressIn
from backend.services.outbox import Message
from bot.callbacks import FindingsStep
from bot.keyboards import Button

MOST = 6
LISTED = 8
DAYS_BACK = 14
"""Controls offered: those of the last two weeks (older ones are for the coordinator, on the web)."""
TOKEN = re.compile(r"^(?:n|o(?:[sx][cx]?)?|v(?:\d{1,2}(?:[sx][cx]?)?)?)\Z")
PARTS = re.compile(r"^([nov])(\d{0,2})([sx]?)([cx]?)\Z")
"""A token's parts: outcome, municipality (by its place in the list), signal, care."""
HEAD = re.compile(r"^[pa]\d{1,3}\Z")
OUTCOMES = {"n": Outcome.NOBODY_PRESENT, "o": Outcome.NO_VIOLATION, "v": Outcome.VIOLATION}


@dataclass(frozen=True)
class Walk:
    """The taps so far, read from the callback data."""

    shift: Shift
    head: str | None
    tokens: list[str] | None
    """None while the partners are still being chosen."""

    @property
    def is_with_police(self) -> bool:
        return self.head is not None and self.head[0] == "p"

    @property
    def mask(self) -> int:
        return int(self.head[1:]) if self.head else 0

    def data(
        self, *, head: str | None = None, tokens: list[str] | None = None, ok: bool = False
    ) -> FindingsStep:
        parts: list[str] = []
        head = head if head is not None else self.head
        if head is not None:
            parts.append(head)
        chosen = tokens if tokens is not None else self.tokens
        if chosen is not None:
            parts.append(".".join(chosen))
        return FindingsStep(self.shift.id, (*parts, *(["ok"] if ok else [])))


def begin(session: Session, now: datetime, inspector: Inspector) -> None:
    """/bevindingen: the controls this inspector may record (writer's, or all for the coordinator)."""
    shifts = _recordable(session, now, inspector)
    if not shifts:
        outbox.send(session, now, inspector, Message("findings.none", disable_notification=True))
        return
    recorded = set(
        session.execute(
            select(ControlRecord.shift_id).where(ControlRecord.shift_id.in_([s.id for s in shifts]))
        ).scalars()
    )
    names = _names(session)
    buttons = [
        [
            Button(
                "button.findings_control_done" if s.id in recorded else "button.findings_control",
                FindingsStep(s.id),
                {"date": planning.when(s)["date"], "municipality": names[s.municipality_id]},
            )
        ]
        for s in shifts
    ]
    outbox.send(
        session,
        now,
        inspector,
        Message("findings.pick", buttons=[*buttons, _stop()], disable_notification=True),
        ref=_ref(inspector),
    )


def press(session: Session, now: datetime, inspector: Inspector, tap: FindingsStep) -> str:
    """One tap of the walk; returns the callback answer's template key."""
    shift_id, steps = tap.shift_id, list(tap.steps)
    if steps == ["x"]:
        outbox.edit(session, now, inspector, _ref(inspector), Message("findings.stopped"))
        return "callback.done"
    walk = _walk(session, now, inspector, shift_id, steps)
    if walk is None:
        return "callback.stale"
    if steps[-1:] == ["ok"]:
        return _save(session, now, inspector, walk)
    _ask(session, now, inspector, walk)
    return "callback.noted"


def _walk(
    session: Session, now: datetime, inspector: Inspector, shift_id: int, steps: list[str]
) -> Walk | None:
    """The walk the data describes, if it is one this inspector may take now."""
    shift = session.get(Shift, shift_id)
    if shift is None or shift not in _recordable(session, now, inspector):
        return None
    if steps[-1:] == ["ok"]:
        steps = steps[:-1]
        if len(steps) != 2:
            return None
    if len(steps) > 2 or (steps and not HEAD.match(steps[0])):
        return None
    tokens = steps[1].split(".") if len(steps) == 2 and steps[1] else ([] if len(steps) == 2 else None)
    if tokens is not None and (len(tokens) > MOST or not all(TOKEN.match(t) for t in tokens)):
        return None
    return Walk(shift, steps[0] if steps else None, tokens)


def _ask(session: Session, now: datetime, inspector: Inspector, walk: Walk) -> None:
    """The next question: the police, the partners, or the next answer for an address."""
    params = _about(session, walk.shift)
    if walk.head is None:
        rows = [
            [Button("button.with_police", walk.data(head="p0"))],
            [Button("button.administrative", walk.data(head="a0"))],
        ]
        return _edit(session, now, inspector, "findings.police", params, rows)
    if walk.tokens is None:
        return _ask_partners(session, now, inspector, walk, params)
    params["number"] = str(len(walk.tokens))
    if _is_complete(walk.tokens):
        return _ask_outcome(session, now, inspector, walk, params)
    outcome, municipality, signal, _ = PARTS.match(walk.tokens[-1]).groups()  # type: ignore[union-attr]
    if outcome == "v" and not municipality:
        rows = [
            [Button("button.label", _extended(walk, str(i)), {"label": m.name})]
            for i, m in enumerate(_participating(session))
        ]
        return _edit(session, now, inspector, "findings.municipality", params, _rows(rows))
    question, yes, no = ("findings.signal", "s", "x") if not signal else ("findings.care", "c", "x")
    rows = [[Button("button.yes", _extended(walk, yes)), Button("button.no", _extended(walk, no))]]
    return _edit(session, now, inspector, question, params, rows)


def _ask_partners(
    session: Session, now: datetime, inspector: Inspector, walk: Walk, params: dict[str, str]
) -> None:
    organisations = list(profile.organisations(session))
    if not organisations:
        return _ask(session, now, inspector, Walk(walk.shift, walk.head, []))
    rows = []
    for i, name in enumerate(organisations):
        chosen = bool(walk.mask >> i & 1)
        rows.append(
            [
                Button(
                    "button.ticked" if chosen else "button.label",
                    walk.data(head=f"{walk.head[0]}{walk.mask ^ 1 << i}"),  # type: ignore[index]
                    {"label": name},
                )
            ]
        )
    rows.append([Button("button.next", walk.data(tokens=[]))])
    return _edit(session, now, inspector, "findings.partners", params, rows)


def _ask_outcome(
    session: Session, now: datetime, inspector: Inspector, walk: Walk, params: dict[str, str]
) -> None:
    """The next address's outcome, or done (once there is one), or stop."""
    tokens = walk.tokens or []
    params["number"] = str(len(tokens) + 1)
    rows = (
        [
            [Button(f"button.{outcome.value}", walk.data(tokens=[*tokens, code]))]
            for code, outcome in OUTCOMES.items()
        ]
        if len(tokens) < MOST
        else []
    )
    if tokens:
        rows.append([Button("button.findings_done", walk.data(ok=True), {"count": len(tokens)})])
    template = "findings.outcome" if len(tokens) < MOST else "findings.full"
    _edit(session, now, inspector, template, params, [*rows, _stop()])


def _save(session: Session, now: datetime, inspector: Inspector, walk: Walk) -> str:
    if not walk.tokens or not _is_complete(walk.tokens):
        return "callback.stale"
    members = _participating(session)
    organisations = list(profile.organisations(session))
    partners = [name for i, name in enumerate(organisations) if walk.mask >> i & 1]
    signal_at = min(now, walk.shift.ends_at)
    try:
        addresses = [_address(token, walk.shift, members, signal_at) for token in walk.tokens]
        findings.record_control(
            session,
            now,
            f"inspector:{inspector.id}",
            walk.shift.id,
            is_with_police=walk.is_with_police,
            partners=partners,
            addresses=addresses,
        )
    except (ServiceError, IndexError):
        _edit(session, now, inspector, "findings.refused", _about(session, walk.shift), [])
        return "callback.stale"
    _edit(
        session,
        now,
        inspector,
        "findings.recorded",
        {**_about(session, walk.shift), "count": str(len(addresses))},
        [],
    )
    return "callback.recorded"


def _address(token: str, shift: Shift, members: list[Municipality], signal_at: datetime) -> AddressIn:
    outcome, municipality, signal, care = PARTS.match(token).groups()  # type: ignore[union-attr]
    where = members[int(municipality)].id if municipality else shift.municipality_id
    return AddressIn(where, OUTCOMES[outcome], signal_at if signal == "s" else None, care == "c")


def _is_complete(tokens: list[str]) -> bool:
    """Every address answered in full (nobody present needs nothing more)."""
    for token in tokens:
        outcome, municipality, _, care = PARTS.match(token).groups()  # type: ignore[union-attr]
        if outcome != "n" and not (care and (outcome == "o" or municipality)):
            return False
    return True


def _extended(walk: Walk, more: str) -> FindingsStep:
    tokens = walk.tokens or []
    return walk.data(tokens=[*tokens[:-1], tokens[-1] + more])


def _recordable(session: Session, now: datetime, inspector: Inspector) -> list[Shift]:
    """Controls of the last two weeks that have ended: the coordinator's all, else those whose report
    this inspector writes; newest first."""
    query = select(Shift).where(
        Shift.kind.in_(findings.CONTROLLED),
        Shift.status != ShiftStatus.CANCELLED,
        Shift.ends_at <= now,
        Shift.starts_at > now - timedelta(days=DAYS_BACK),
    )
    if not inspector.is_coordinator:
        query = query.join(Report, Report.shift_id == Shift.id).where(Report.writer_id == inspector.id)
    return list(session.execute(query.order_by(Shift.starts_at.desc()).limit(LISTED)).scalars())


def _about(session: Session, shift: Shift) -> dict[str, str]:
    return {
        "control": findings.control_label(shift),
        "date": planning.when(shift)["date"],
        "municipality": _names(session)[shift.municipality_id],
    }


def _names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Municipality.id, Municipality.name)).all())


def _participating(session: Session) -> list[Municipality]:
    return list(
        session.execute(
            select(Municipality).where(Municipality.is_participating).order_by(Municipality.name)
        ).scalars()
    )


def _rows(rows: list[list[Button]], per_row: int = 2) -> list[list[Button]]:
    flat = [b for row in rows for b in row]
    return [flat[i : i + per_row] for i in range(0, len(flat), per_row)]


def _edit(
    session: Session,
    now: datetime,
    inspector: Inspector,
    template: str,
    params: dict[str, str],
    rows: list[list[Button]],
) -> None:
    outbox.edit(session, now, inspector, _ref(inspector), Message(template, params, buttons=rows))


def _stop() -> list[Button]:
    return [Button("button.stop", FindingsStep(0, ("x",)))]


def _ref(inspector: Inspector) -> str:
    return f"findings:{inspector.id}"
