"""Typed input of pages and API alike: one pydantic model per operation, so a form field and a JSON
field are checked the same way, and the OpenAPI document is generated from the same classes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from backend.models import CalloutSource, Contribution, Gender, HourCategory, Outcome, Role
from backend.services.callouts import NewCallout
from backend.services.findings import AddressIn
from scheduling.calendar import local_date, local_instant, team_zone
from scheduling.ort import on_whole_minutes

Day = Annotated[date, Field(ge=date(2020, 1, 1), le=date(2100, 12, 31))]
"""A calendar day the team can mean: the pilot's years, not year 1 or 9999."""
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
"""A row's id as the database can hold it."""


def _local_minute(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("give the local time without a zone")
    if not on_whole_minutes(value):
        raise ValueError("times are kept to the minute")
    return value


Minute = Annotated[time, AfterValidator(_local_minute)]
"""A local clock time to the minute (14:00), as shifts and hours are kept."""


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CalloutIn(Input):
    """A call-out: the window is local time on `day`; an end at or before the start is the next day."""

    municipality_id: Id
    source: CalloutSource
    day: Day
    start: Minute
    end: Minute
    location: str = Field(min_length=3, max_length=200,
                          description="Address of the premises; never anything about a person.")
    notes: str = Field(default="", max_length=500)

    def to_service(self) -> NewCallout:
        starts_at = local_instant(self.day, self.start)
        end_day = self.day if self.end > self.start else self.day + timedelta(days=1)
        return NewCallout(municipality_id=self.municipality_id, source=self.source, starts_at=starts_at,
                          ends_at=local_instant(end_day, self.end), location=self.location, notes=self.notes)


class ControlDayIn(Input):
    """A control day: local times on `day`; an end at or before the start is the next day."""

    municipality_id: Id
    day: Day
    start: Minute = time(14, 0)
    end: Minute = time(23, 0)

    def window(self) -> tuple[datetime, datetime]:
        end_day = self.day if self.end > self.start else self.day + timedelta(days=1)
        return local_instant(self.day, self.start), local_instant(end_day, self.end)


class BreakIn(Input):
    """An unpaid break as local clock times; where it falls decides the allowance."""

    start: Minute
    end: Minute


FORM_BREAKS = (("break_start", "break_end"), *((f"break{n}_start", f"break{n}_end") for n in (2, 3, 4)))
"""The correction form's break fields: as many as the API takes (the page shows those in use and one more)."""


class CorrectionIn(Input):
    """Corrected hours of one entry: local times on `day` (an end at or before the start is the next day),
    and the breaks where they were taken."""

    day: Day
    start: Minute
    end: Minute
    breaks: list[BreakIn] = Field(default_factory=list, max_length=4)
    reason: str = Field(min_length=3, max_length=200)

    @classmethod
    def form_values(cls, form: dict[str, Any]) -> dict[str, Any]:
        """The form's flat break fields as the model's list (a break left empty is no break)."""
        values = {k: v for k, v in form.items() if k not in {f for pair in FORM_BREAKS for f in pair}}
        values["breaks"] = [{"start": form.get(a, ""), "end": form.get(b, "")} for a, b in FORM_BREAKS
                            if form.get(a) or form.get(b)]
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
            raise ValueError("period_end is before period_start")
        if (self.period_end - self.period_start).days > 366:
            raise ValueError("a period is at most a year")
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
            raise ValueError("period_end is before period_start")
        return self


class SettlementQuery(Input):
    year: int = Field(ge=2020, le=2100)
    quarter: int | None = Field(default=None, ge=1, le=4)
    mode: Literal["budget", "actual"] = "actual"


class PageQuery(Input):
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=50, ge=1, le=500)


class MunicipalityIn(Input):
    population: int = Field(ge=0, le=10_000_000)
    population_date: Day
    is_participating: bool = False
    contribution: Contribution
    pledged_minutes: int = Field(ge=0, le=100_000 * 60)
    taking_part_from: Day | None = None
    taking_part_until: Day | None = None
    money_cap: str | None = Field(default=None, pattern=r"^\d{1,9}([.,]\d{1,2})?$")
    """The most it pays a year, in euros, when it contributes money."""
    cap_shortfall: Literal["others", "coordinator"] | None = None

    @model_validator(mode="after")
    def _cap_fits(self) -> MunicipalityIn:
        if (self.money_cap is None) != (self.cap_shortfall is None):
            raise ValueError("a money cap needs who bears its shortfall, and only a cap")
        if self.money_cap is not None and self.contribution is not Contribution.MONEY:
            raise ValueError("only a contribution in money can be capped")
        if self.taking_part_until and (not self.taking_part_from
                                       or self.taking_part_until < self.taking_part_from):
            raise ValueError("taking part must end after it begins")
        return self

    def changes(self) -> dict[str, Any]:
        """The columns to set: the cap in cents."""
        values = self.model_dump(exclude={"money_cap"})
        values["money_cap_cents"] = None if self.money_cap is None else \
            int(Decimal(self.money_cap.replace(",", ".")) * 100)
        return values


EXACT = r"^\d{1,7}([.,]\d{1,6})?$"
"""A decimal amount as typed (a comma or a point), kept exact: rates and percentages are multiplied before
anything is rounded."""


class BudgetLineIn(Input):
    hours: int = Field(ge=0, le=100_000)
    rate: str = Field(pattern=EXACT)
    flat_ort: str = Field(pattern=EXACT)
    overhead_per_hour: str = Field(pattern=EXACT)
    source: str = Field(min_length=2, max_length=300)


class FixedCostsIn(Input):
    fixed: str = Field(pattern=r"^\d{1,9}([.,]\d{1,2})?$")
    source: str = Field(min_length=2, max_length=300)


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
            raise ValueError("valid_until is before valid_from")
        return self


class WebUserIn(Input):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9._-]+$",
                          description="A function name (coordinator), not a person's name.")
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
            raise ValueError("end is before start, or more than a year after it")
        return self


class Invalid(Exception):
    """Input that does not fit its model: each problem with the field it is about."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("invalid input")
        self.problems = problems


def parse(model: type[Input], data: Any) -> Any:
    """The model built from a form or JSON object, or Invalid naming every wrong field."""
    if not isinstance(data, dict):
        raise Invalid([{"field": "", "message": "expected a JSON object"}])
    cleaned = {k: v for k, v in data.items() if v != "" or k in ("notes",)}
    try:
        return model.model_validate(cleaned)
    except ValidationError as error:
        raise Invalid([{"field": ".".join(str(p) for p in e["loc"]),
                        "message": e["msg"].removeprefix("Value error, ")}
                       for e in error.errors()]) from None


def form_data(form: Any) -> dict[str, Any]:
    """A form's fields as a dict, without the CSRF token (checked before the view runs)."""
    return {k: v for k, v in form.items() if k != "csrf_token"}



def _local_instant(value: datetime) -> datetime:
    """A time without a zone is the team's local time (as the forms send it)."""
    return value.replace(tzinfo=team_zone()) if value.tzinfo is None else value


class AddressFindingIn(Input):
    """One visited address: where it lies (by municipality) and what came of it; never the person."""

    municipality_id: Id
    outcome: Outcome
    police_signal_at: Annotated[datetime, AfterValidator(_local_instant)] | None = Field(
        default=None, description="When a signal of human trafficking went to the police (local time).")
    is_care_offered: bool = False
    address: str = Field(default="", max_length=200, description=(
        "Optional, only for the repeat warning: kept as a keyed hash, never as the address."))

    def to_service(self) -> AddressIn:
        return AddressIn(self.municipality_id, self.outcome, self.police_signal_at, self.is_care_offered,
                         self.address)


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
                line = {key: form.get(f"a{n}_{key}", "") for key in
                        ("outcome", "municipality_id", "police_signal_at", "address")}
                line["is_care_offered"] = bool(form.get(f"a{n}_care"))
                lines.append({k: v for k, v in line.items() if v != ""})
        return {"is_with_police": bool(form.get("is_with_police")), "partners": form.getlist("partners"),
                "addresses": lines}


class AddressCheckIn(Input):
    """An address to check against recent controls; not stored (sent in the body, never in a URL)."""

    address: str = Field(min_length=3, max_length=200)
