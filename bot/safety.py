"""The safety buttons' protocol: callback data as small typed values that encode and decode themselves.

Two kinds, each with a strict pattern and at most 64 bytes:
- `ShiftTap` ("sf:<verb>:<assignment>"): "We gaan naar binnen" (i), "Veilig klaar" (o), "Hulp nodig" (h);
- `AlertTap` ("sa:<alert>:<action>"): "Ik pak dit op" (t) or an outcome (a, f, h, x).
Anything else decodes to None and is refused as a stale button. What a decoded tap may do is the
service's to judge: someone else's assignment or an alert already taken is refused there.

`KEYS` builds the keyboards the services ask for (they never see callback data). The buttons are few
and one to a row: a thumb finds them in the dark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sqlalchemy.orm import Session

from backend.models import AlertOutcome, Inspector
from backend.services import safety
from backend.services.outbox import Button

MAX_BYTES = 64


@dataclass(frozen=True)
class ShiftTap:
    VERBS: ClassVar[dict[str, str]] = {"in": "i", "out": "o", "help": "h"}
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"^sf:([ioh]):([1-9]\d{0,9})\Z", re.ASCII)

    verb: str
    assignment_id: int

    def encode(self) -> str:
        return _checked(f"sf:{self.VERBS[self.verb]}:{self.assignment_id}")

    @classmethod
    def decode(cls, data: str) -> ShiftTap | None:
        match = cls.PATTERN.match(data)
        if match is None:
            return None
        verb = next(name for name, code in cls.VERBS.items() if code == match[1])
        return cls(verb, int(match[2]))


@dataclass(frozen=True)
class AlertTap:
    OUTCOMES: ClassVar[dict[AlertOutcome, str]] = {
        AlertOutcome.ALL_WELL: "a", AlertOutcome.FORGOT: "f", AlertOutcome.HELP_SENT: "h",
        AlertOutcome.FALSE_ALARM: "x"}
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"^sa:([1-9]\d{0,9}):([tafhx])\Z", re.ASCII)

    alert_id: int
    outcome: AlertOutcome | None = None
    """None: "Ik pak dit op"."""

    def encode(self) -> str:
        action = "t" if self.outcome is None else self.OUTCOMES[self.outcome]
        return _checked(f"sa:{self.alert_id}:{action}")

    @classmethod
    def decode(cls, data: str) -> AlertTap | None:
        match = cls.PATTERN.match(data)
        if match is None:
            return None
        outcome = next((o for o, code in cls.OUTCOMES.items() if code == match[2]), None)
        return cls(int(match[1]), outcome)


def _checked(data: str) -> str:
    if len(data.encode()) > MAX_BYTES:
        raise ValueError("callback data is limited to 64 bytes")
    return data


class Keys:
    """The keyboards of the safety flow (`safety.ShiftKeys`)."""

    def at_start(self, assignment_id: int, *, asks_check_in: bool) -> list[list[Button]]:
        rows = [[Button("button.safety_in", ShiftTap("in", assignment_id).encode())]] if asks_check_in else []
        return [*rows, [Button("button.safety_done", ShiftTap("out", assignment_id).encode())],
                [Button("button.safety_help", ShiftTap("help", assignment_id).encode())]]

    def take(self, alert_id: int) -> list[list[Button]]:
        return [[Button("button.safety_take", AlertTap(alert_id).encode())]]

    def outcomes(self, alert_id: int) -> list[list[Button]]:
        return [[Button(f"outcome.{o.value}", AlertTap(alert_id, o).encode())] for o in AlertTap.OUTCOMES]


KEYS = Keys()


def press(session: Session, now: datetime, inspector: Inspector, data: str) -> str | None:
    """A safety tap, answered with a template key; None when `data` is not a safety button at all."""
    if (tap := ShiftTap.decode(data)) is not None:
        if tap.verb == "in":
            return safety.check_in(session, now, inspector, tap.assignment_id)
        if tap.verb == "out":
            return safety.check_out(session, now, inspector, tap.assignment_id)
        return safety.raise_alarm(session, now, inspector, tap.assignment_id, KEYS)
    if (alert := AlertTap.decode(data)) is not None:
        if alert.outcome is None:
            return safety.take_alert(session, now, inspector, alert.alert_id, KEYS)
        return safety.resolve_alert(session, now, f"inspector:{inspector.id}", alert.alert_id, alert.outcome,
                                    inspector)
    if data.startswith(("sf:", "sa:")):
        return "callback.safety_stale"  # a safety button, but not one we made: forged or garbled
    return None
