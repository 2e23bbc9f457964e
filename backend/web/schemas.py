"""Typed input of pages and API alike: one pydantic model per operation, so a form field and a JSON
field are checked the same way, and the OpenAPI document is generated from the same classes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from backend import text
from backend.models import CalloutSource, Gender, HourCategory, Outcome, Role
from backend.services.callouts import NewCallout
from backend.services.findings import AddressIn
from scheduling.calendar import local_date, local_instant, team_zone
from scheduling.ort import on_whole_minutes

FIRST_DAY, LAST_DAY = date(2020, 1, 1), date(2100, 12, 31)
ID_MAX = 2**31 - 1
DAY_PATTERN = r"^(20[2-9][0-9]|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
MINUTE_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$"


def _written_as(pattern: str, kind: type, code: str, wording: str) -> Callable[[Any], Any]:
    """Text must look like `pattern` (the document says so); a number or a zone is no day or time.
    Refused with pydantic's own `code` for such a value, so the pages word it as for any bad day or time."""

    def check(value: Any) -> Any:
        if isinstance(value, kind) or (isinstance(value, str) and re.fullmatch(pattern, value)):
            return value
        raise PydanticCustomError(code, wording)

    return check


Day = Annotated[
    date,
    BeforeValidator(
        _written_as(DAY_PATTERN, date, "date_parsing", "give a day from 2020 to 2100 as YYYY-MM-DD")
    ),
    Field(ge=FIRST_DAY, le=LAST_DAY),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": DAY_PATTERN,
            "formatMinimum": FIRST_DAY.isoformat(),
            "formatMaximum": LAST_DAY.isoformat(),
            "description": "A day from 2020-01-01 to 2100-12-31.",
        }
    ),
]
"""A calendar day the team can mean: the pilot's years, not year 1 or 9999."""
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
"""A row's id as the database can hold it."""


def _local_minute(value: time) -> time:
    if value.tzinfo is not None:
        raise PydanticCustomError("zoned_time", "give the local time without a zone")
    if not on_whole_minutes(value):
        raise PydanticCustomError("whole_minutes", "times are kept to the minute")
    return value


Minute = Annotated[
    time,
    BeforeValidator(_written_as(MINUTE_PATTERN, time, "time_parsing", "give a local time as HH:MM")),
    AfterValidator(_local_minute),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MINUTE_PATTERN,
            "description": "A local clock time in the team's zone, HH:MM, to the minute and without a zone.",
        }
    ),
]
"""A local clock time to the minute (14:00), as shifts and hours are kept."""


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        """Every text field, at the door: NFC, no control or invisible characters (backend.text)."""
        if not isinstance(value, str):
            return value
        if text.is_only_invisible(value):
            raise ValueError("only invisible or control characters")
        return text.clean(value)

    @field_validator("*", mode="before")
    @classmethod
    def _within_stated_length(cls, value: Any, info: ValidationInfo) -> Any:
        """The length the document states holds for what was sent, before the cleaning (which runs
        after this) shortens it."""
        field = cls.model_fields.get(info.field_name or "")
        if not isinstance(value, str) or field is None:
            return value
        for limit in (m.max_length for m in field.metadata if hasattr(m, "max_length")):
            if len(value) > limit:
                raise PydanticCustomError(
                    "string_too_long",
                    "String should have at most {max_length} characters",
                    {"max_length": limit},
                )
        return value


class CalloutIn(Input):
    """A call-out: the window is local time on `day`; an end at or before the start is the next day."""

    municipality_id: Id
    source: CalloutSource
    day: Day
    start: Minute
    end: Minute
    location: str = Field(
        min_length=3, max_length=200, description="Address of the premises; never anything about a person."
    )
    notes: str = Field(default="", max_length=500)

    def to_service(self) -> NewCallout:
        starts_at = local_instant(self.day, self.start)
        end_day = self.day if self.end > self.start else self.day + timedelta(days=1)
        return NewCallout(
            municipality_id=self.municipality_id,
            source=self.source,
            starts_at=starts_at,
            ends_at=local_instant(end_day, self.end),
            location=self.location,
            notes=self.notes,
        )


class DayWindowIn(Input):
    """A control day's time: local times on `day`; an end at or before the start is the next day."""

    day: Day
    start: Minute = time(14, 0)
    end: Minute = time(23, 0)

    def window(self) -> tuple[datetime, datetime]:
        end_day = self.day if self.end > self.start else self.day + timedelta(days=1)
        return local_instant(self.day, self.start), local_instant(end_day, self.end)


class ControlDayIn(DayWindowIn):
    """A control day in a municipality."""

    municipality_id: Id


class BreakIn(Input):
    """An unpaid break as local clock times; where it falls decides the allowance."""

    start: Minute
    end: Minute


FORM_BREAKS = (("break_start", "break_end"), *((f"break{n}_start", f"break{n}_end") for n in (2, 3, 4)))
"""The correction form's break fields: as many as the API takes (the page shows those in use and one more)."""


class HoursIn(Input):
    """Hours of one stretch of work: local times on `day` (an end at or before the start is the next
    day), and the breaks where they were taken."""

    day: Day
    start: Minute
    end: Minute
    breaks: list[BreakIn] = Field(default_factory=list, max_length=4)

    @classmethod
    def form_values(cls, form: dict[str, Any]) -> dict[str, Any]:
        """The form's flat break fields as the model's list (a break left empty is no break)."""
        values = {k: v for k, v in form.items() if k not in {f for pair in FORM_BREAKS for f in pair}}
        values["breaks"] = [
            {"start": form.get(a, ""), "end": form.get(b, "")}
            for a, b in FORM_BREAKS
            if form.get(a) or form.get(b)
        ]
        return values

    def window(self) -> tuple[datetime, datetime]:
        end_day = self.day if self.end > self.start else self.day + timedelta(days=1)
        return local_instant(self.day, self.start), local_instant(end_day, self.end)

    def break_spans(self) -> list[tuple[datetime, datetime]]:
        """Each break at the first time its clock shows from the start on (after midnight on a night
        shift), ending at the first time its end shows after that; the ledger checks it lies inside."""
        spans = []
        for pause in self.breaks:
            starts_at = _next_clock(self.window()[0], pause.start)
            spans.append((starts_at, _next_clock(starts_at, pause.end)))
        return spans


class CorrectionIn(HoursIn):
    """Corrected hours of one entry, with why."""

    reason: str = Field(min_length=3, max_length=200)


class WorkIn(HoursIn):
    """Work outside shifts: whose, and what kind (coordination, preparation, training, peer review)."""

    inspector_id: Id
    category: HourCategory


class ReturnIn(Input):
    """A report sent back to its writer: what to change (the writer reads it in the bot only)."""

    remark: str = Field(min_length=3, max_length=500)


class HandOverIn(Input):
    """A reviewed report handed to the municipality where the finding was made, on a day."""

    municipality_id: Id
    handed_over_on: Day


def _next_clock(since: datetime, clock: time) -> datetime:
    """The first instant at or after `since` at which the team's clock shows `clock`."""
    day = local_date(since)
    found = local_instant(day, clock)
    return found if found >= since else local_instant(day + timedelta(days=1), clock)


class PersonChangeIn(Input):
    inspector_id: Id
    action: Literal["add", "remove"]
    back: str = ""


class EntryIdsIn(Input):
    entry_ids: list[Id] = Field(min_length=1, max_length=5000)


class PeriodIn(Input):
    period_start: Day
    period_end: Day

    @model_validator(mode="after")
    def _ordered(self) -> PeriodIn:
        if self.period_end < self.period_start:
            raise PydanticCustomError("period_order", "period_end is before period_start")
        if (self.period_end - self.period_start).days > 366:
            raise PydanticCustomError("period_too_long", "a period is at most a year")
        return self


class LedgerQuery(Input):
    """Filters of the ledger and its exports; every one optional except the period."""

    period_start: Day
    period_end: Day
    municipality_id: Id | None = None
    inspector_id: Id | None = None
    category: HourCategory | None = None
    approved_only: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> LedgerQuery:
        if self.period_end < self.period_start:
            raise PydanticCustomError("period_order", "period_end is before period_start")
        return self


class SettlementQuery(Input):
    year: int = Field(ge=2020, le=2100)
    quarter: int | None = Field(default=None, ge=1, le=4)
    mode: Literal["budget", "actual"] = "actual"


class DisclosureQuery(Input):
    """Who receives what the API hands out, and why: recorded in the register of disclosures."""

    receiver: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"\S",
        description="Who receives it (an organisation or a function).",
    )
    purpose: str = Field(min_length=1, max_length=200, pattern=r"\S", description="Why they need it.")


class LedgerExportQuery(LedgerQuery, DisclosureQuery):
    """The ledger's filters, and to whom it goes and why."""


class SettlementExportQuery(SettlementQuery, DisclosureQuery):
    """The settlement's period and mode, and to whom it goes and why."""


class PageQuery(Input):
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=500)


class InspectorFields(Input):
    name: str = Field(min_length=2, max_length=120)
    first_name: str = Field(min_length=1, max_length=60)
    phone: str | None = Field(default=None, max_length=30, pattern=r"^\+?[0-9 ]{6,30}$")
    employer_id: Id
    salary_scale: int = Field(ge=1, le=18)
    salary_step: int = Field(ge=0, le=20)
    trained_since: Day | None = None
    is_coordinator: bool = False


class InspectorIn(InspectorFields):
    gender: Gender


class InspectorChangeIn(InspectorFields):
    """What the admin can change of an inspector (gender only preferred mixed pairs; it stays)."""

    is_active: bool = False


class DesignationEndIn(Input):
    valid_until: Day


class DesignationIn(Input):
    inspector_id: Id
    municipality_id: Id
    decision_reference: str = Field(min_length=1, max_length=120)
    valid_from: Day
    valid_until: Day | None = None

    @model_validator(mode="after")
    def _ordered(self) -> DesignationIn:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise PydanticCustomError("designation_order", "valid_until is before valid_from")
        return self


class WebUserIn(Input):
    username: str = Field(
        min_length=3,
        max_length=64,
        pattern=r"^[a-z0-9._-]+$",
        description="A function name (coordinator), not a person's name.",
    )
    role: Role


class TokenIn(Input):
    name: str = Field(min_length=3, max_length=64)
    role: Role
    is_read_only: bool = False


class RosterQuery(PageQuery):
    start: Day
    end: Day

    @model_validator(mode="after")
    def _ordered(self) -> RosterQuery:
        if self.end < self.start or (self.end - self.start).days > 366:
            raise PydanticCustomError("range_order", "end is before start, or more than a year after it")
        return self


class Invalid(Exception):
    """Input that does not fit its model: each problem with the field it is about."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("invalid input")
        self.problems = problems


def parse(model: type[Input], data: Any, keep_empty: bool = False) -> Any:
    """The model built from a form or JSON object, or Invalid naming every wrong field.

    A form's empty field means "not given"; a query parameter that is there but
    empty (`?page=`) is wrong, as the OpenAPI document says (`keep_empty`).
    """
    if not isinstance(data, dict):
        raise Invalid([{"field": "", "message": "expected a JSON object"}])
    cleaned = {k: v for k, v in data.items() if keep_empty or v != "" or k in ("notes",)}
    try:
        return model.model_validate(cleaned)
    except ValidationError as error:
        raise Invalid([_problem(e) for e in error.errors()]) from None


def _problem(error: ErrorDetails) -> dict[str, Any]:
    """One of pydantic's errors as a problem: the field's dotted path, the message, its code and the
    code's parameters (for a page to word it)."""
    problem: dict[str, Any] = {
        "field": ".".join(str(p) for p in error["loc"]),
        "message": error["msg"].removeprefix("Value error, "),
        "code": error["type"],
    }
    if error.get("ctx"):
        problem["params"] = {k: str(v) for k, v in error["ctx"].items()}
    return problem


def form_data(form: Any) -> dict[str, Any]:
    """A form's fields as a dict, without the CSRF token (checked before the view runs)."""
    return {k: v for k, v in form.items() if k != "csrf_token"}


class LeaveIn(Input):
    """Days off of one inspector, `first` to `last` included (local days); the reason is optional."""

    inspector_id: Id
    first: Day
    last: Day
    reason: str = Field(
        default="", max_length=200, description="Seen by the inspector and the coordinator only; sealed."
    )


class LeaveQuery(PageQuery):
    inspector_id: Id | None = None


class MoveIn(DayWindowIn):
    """A control day's new time, and why it moves."""

    reason: str = Field(
        default="",
        max_length=300,
        description="Why it moves (with the police, an investigation running); no names. "
        "Required: the service refuses an empty one.",
    )


class CancelIn(Input):
    reason: str = Field(
        default="",
        max_length=300,
        description="Why it is cancelled (an investigation running); no names. "
        "Required: the service refuses an empty one.",
    )


class CalloutCancelIn(Input):
    reason: str = Field(default="", max_length=300, description="Why it is cancelled, if you say; no names.")


def _local_instant(value: datetime) -> datetime:
    """A time without a zone is the team's local time (as the forms send it)."""
    return value.replace(tzinfo=team_zone()) if value.tzinfo is None else value


class AddressFindingIn(Input):
    """One visited address: where it lies (by municipality) and what came of it; never the person."""

    municipality_id: Id
    outcome: Outcome
    police_signal_at: Annotated[datetime, AfterValidator(_local_instant)] | None = Field(
        default=None, description="When a signal of human trafficking went to the police (local time)."
    )
    is_care_offered: bool = False
    address: str = Field(
        default="",
        max_length=200,
        description=("Optional, only for the repeat warning: kept as a keyed hash, never as the address."),
    )

    def to_service(self) -> AddressIn:
        return AddressIn(
            self.municipality_id, self.outcome, self.police_signal_at, self.is_care_offered, self.address
        )


FINDING_ROWS = 8
"""Address lines the findings page offers (a control day covers about 4-5)."""


class ControlRecordIn(Input):
    """What a control found: the police or administrative only, partners, and its addresses."""

    is_with_police: bool
    partners: list[Annotated[str, Field(max_length=120)]] = Field(default_factory=list, max_length=20)
    addresses: list[AddressFindingIn] = Field(default_factory=list, max_length=30)

    @classmethod
    def form_values(cls, form: Any) -> dict[str, Any]:
        """The page's flat fields (a{n}_outcome, ...) as the model's lists; a line without an outcome
        is no address."""
        lines = []
        for n in range(1, FINDING_ROWS + 1):
            if form.get(f"a{n}_outcome"):
                line = {
                    key: form.get(f"a{n}_{key}", "")
                    for key in ("outcome", "municipality_id", "police_signal_at", "address")
                }
                line["is_care_offered"] = bool(form.get(f"a{n}_care"))
                lines.append({k: v for k, v in line.items() if v != ""})
        return {
            "is_with_police": bool(form.get("is_with_police")),
            "partners": form.getlist("partners"),
            "addresses": lines,
        }


class AddressCheckIn(Input):
    """An address to check against recent controls; not stored (sent in the body, never in a URL)."""

    address: str = Field(min_length=3, max_length=200)
