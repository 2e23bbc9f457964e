"""The chat protocol: what an inline button carries, as small typed values.

Telegram hands a tap back as the button's `callback_data`, at most 64 bytes,
and anyone can send any bytes there (a forged or stale button). Each kind of
button is one frozen dataclass here that encodes itself to that string and
decodes from it with a strict pattern; anything that does not match decodes to
None and is refused with "this button is no longer valid", never a crash.

The wire format is the one buttons on phones already carry ("o:12:3:a", ...):
a changed format would turn every button sent before an upgrade stale. The
values are checked again by the conversation that takes them (is this offer
still at this version, was this choice offered), since a well-formed button
may still be forged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol, Self

from backend.models import AlertOutcome

MAX_BYTES = 64
"""Telegram's limit on callback data."""


class CallbackData(Protocol):
    PATTERN: ClassVar[re.Pattern[str]]

    def encode(self) -> str: ...


def _checked(data: str) -> str:
    if len(data.encode()) > MAX_BYTES:
        raise ValueError("callback data is limited to 64 bytes")
    return data


def _steps(tail: str) -> tuple[str, ...]:
    """The ":"-separated choices after the fixed fields ("" when there are none)."""
    return tuple(tail.split(":")[1:]) if tail else ()


@dataclass(frozen=True)
class OfferAnswer:
    """Accept or decline an offered shift (a call-out or a cover), as the offer stood."""

    PATTERN: ClassVar = re.compile(r"^o:(\d{1,10}):(\d{1,6}):([ad])\Z", re.ASCII)
    offer_id: int
    version: int
    accept: bool

    def encode(self) -> str:
        return _checked(f"o:{self.offer_id}:{self.version}:{'a' if self.accept else 'd'}")

    @classmethod
    def decode(cls, data: str) -> Self | None:
        match = cls.PATTERN.match(data)
        return cls(int(match[1]), int(match[2]), match[3] == "a") if match else None


CalloutVerb = Literal["widen", "cancel", "choose", "assign"]
_VERB_LETTERS: dict[str, CalloutVerb] = {"w": "widen", "x": "cancel", "d": "choose"}


@dataclass(frozen=True)
class CalloutAction:
    """A coordinator's button on an escalated call-out: widen, cancel, ask whom to assign ("choose"),
    or assign one inspector, only while the call-out is at this version."""

    PATTERN: ClassVar = re.compile(r"^c:(\d{1,10}):(\d{1,6}):([wxd]|p\d{1,10})\Z", re.ASCII)
    callout_id: int
    version: int
    verb: CalloutVerb
    inspector_id: int | None = None
    """Whom to assign (verb "assign" only)."""

    def __post_init__(self) -> None:
        if (self.verb == "assign") != (self.inspector_id is not None):
            raise ValueError("an inspector goes with assign, and only with assign")

    def encode(self) -> str:
        if self.verb == "assign":
            letter = f"p{self.inspector_id}"
        else:
            letter = next(k for k, v in _VERB_LETTERS.items() if v == self.verb)
        return _checked(f"c:{self.callout_id}:{self.version}:{letter}")

    @classmethod
    def decode(cls, data: str) -> Self | None:
        match = cls.PATTERN.match(data)
        if not match:
            return None
        if match[3].startswith("p"):
            return cls(int(match[1]), int(match[2]), "assign", int(match[3][1:]))
        return cls(int(match[1]), int(match[2]), _VERB_LETTERS[match[3]])


@dataclass(frozen=True)
class ControlAnswer:
    """Can go, or cannot make it, for a planned control day (an assignment at this version)."""

    PATTERN: ClassVar = re.compile(r"^a:(\d{1,10}):(\d{1,6}):([yn])\Z", re.ASCII)
    assignment_id: int
    version: int
    can_go: bool

    def encode(self) -> str:
        return _checked(f"a:{self.assignment_id}:{self.version}:{'y' if self.can_go else 'n'}")

    @classmethod
    def decode(cls, data: str) -> Self | None:
        match = cls.PATTERN.match(data)
        return cls(int(match[1]), int(match[2]), match[3] == "y") if match else None


@dataclass(frozen=True)
class HoursStep:
    """A tap in the hours walk of one assignment: "ok", "fix", or the minutes chosen so far."""

    PATTERN: ClassVar = re.compile(r"^h:(\d{1,10}):(\d{1,6}):([a-z0-9:-]{1,30})\Z", re.ASCII)
    assignment_id: int
    version: int
    steps: tuple[str, ...]

    def encode(self) -> str:
        return _checked(":".join(["h", str(self.assignment_id), str(self.version), *self.steps]))

    @classmethod
    def decode(cls, data: str) -> Self | None:
        match = cls.PATTERN.match(data)
        return cls(int(match[1]), int(match[2]), tuple(match[3].split(":"))) if match else None


@dataclass(frozen=True)
class ReportStep:
    """A tap in the report writer's walk: the duration, then "a" (another time) or the day and start."""

    PATTERN: ClassVar = re.compile(r"^r:(\d{1,10}):(\d{1,4})((?::[a0-9]{1,4}){0,2})\Z", re.ASCII)
    report_id: int
    minutes: int
    steps: tuple[str, ...] = ()

    def encode(self) -> str:
        return _checked(":".join(["r", str(self.report_id), str(self.minutes), *self.steps]))

    @classmethod
    def decode(cls, data: str) -> Self | None:
        match = cls.PATTERN.match(data)
        return cls(int(match[1]), int(match[2]), _steps(match[3])) if match else None


@dataclass(frozen=True)
class WorkStep:
    """A tap in /werk: the kind's letter, then the day, the hour, the length and "ok"."""

    PATTERN: ClassVar = re.compile(r"^w:([a-z])((?::[a-z0-9]{1,3}){0,4})\Z", re.ASCII)
    kind: str
    steps: tuple[str, ...] = ()

    def encode(self) -> str:
        return _checked(":".join(["w", self.kind, *self.steps]))

    @classmethod
    def decode(cls, data: str) -> Self | None:
        match = cls.PATTERN.match(data)
        return cls(match[1], _steps(match[2])) if match else None


@dataclass(frozen=True)
class DraftStep:
    """A tap in /oproep: the source, municipality, day and hour so far; or "none" (no notes),
    "go" (send) or "x" (stop)."""

    PATTERN: ClassVar = re.compile(r"^n:([a-z0-9:_]{1,40})\Z", re.ASCII)
    steps: tuple[str, ...]

    def encode(self) -> str:
        return _checked(":".join(["n", *self.steps]))

    @classmethod
    def decode(cls, data: str) -> Self | None:
        match = cls.PATTERN.match(data)
        return cls(tuple(match[1].split(":"))) if match else None


@dataclass(frozen=True)
class LeaveStep:
    """A tap in /afwezig: "x:<leave>" removes, "n[:...]" walks through first day, last day, reason."""

    PATTERN: ClassVar = re.compile(r"^l:([a-z0-9:-]{1,40})\Z", re.ASCII)
    steps: tuple[str, ...]

    def encode(self) -> str:
        return _checked(":".join(["l", *self.steps]))

    @classmethod
    def decode(cls, data: str) -> Self | None:
        match = cls.PATTERN.match(data)
        return cls(tuple(match[1].split(":"))) if match else None


@dataclass(frozen=True)
class FindingsStep:
    """A tap in /bevindingen for one control: its head, the addresses' tokens, "ok" or "x"."""

    PATTERN: ClassVar = re.compile(r"^f:(\d{1,10})((?::[a-z0-9.]{0,48}){0,3})\Z", re.ASCII)
    shift_id: int
    steps: tuple[str, ...] = ()

    def encode(self) -> str:
        return _checked(":".join(["f", str(self.shift_id), *self.steps]))

    @classmethod
    def decode(cls, data: str) -> Self | None:
        match = cls.PATTERN.match(data)
        return cls(int(match[1]), _steps(match[2])) if match else None


@dataclass(frozen=True)
class ShiftTap:
    """The safety buttons of a shift ("sf:<verb>:<assignment>"): "We gaan naar binnen" (i),
    "Veilig klaar" (o), "Hulp nodig" (h)."""

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
    """A safety alert's buttons ("sa:<alert>:<action>"): "Ik pak dit op" (t) or what happened (a, f, h, x)."""

    OUTCOMES: ClassVar[dict[AlertOutcome, str]] = {
        AlertOutcome.ALL_WELL: "a",
        AlertOutcome.FORGOT: "f",
        AlertOutcome.HELP_SENT: "h",
        AlertOutcome.FALSE_ALARM: "x",
    }
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


KINDS: tuple[
    type[
        OfferAnswer
        | CalloutAction
        | ControlAnswer
        | HoursStep
        | ReportStep
        | WorkStep
        | DraftStep
        | LeaveStep
        | FindingsStep
        | ShiftTap
        | AlertTap
    ],
    ...,
] = (
    OfferAnswer,
    CalloutAction,
    ControlAnswer,
    HoursStep,
    ReportStep,
    WorkStep,
    DraftStep,
    LeaveStep,
    FindingsStep,
    ShiftTap,
    AlertTap,
)
"""Every kind of button; the application routes each by its pattern to one handler."""
