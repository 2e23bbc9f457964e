"""All tables, importable from one place (Alembic and the backup read Base.metadata)."""

from backend.models.audit import AuditRecord
from backend.models.base import (
    DEFAULT_CALLOUT_SOURCES,
    OFF_SHIFT,
    AssignmentStatus,
    Base,
    CalloutSource,
    CalloutStatus,
    Contribution,
    Gender,
    HourCategory,
    OfferStatus,
    OutboxStatus,
    ReportStatus,
    Role,
    ShiftChangeKind,
    ShiftKind,
    ShiftStatus,
)
from backend.models.disclosure import Disclosure
from backend.models.findings import AddressFinding, ControlledAddress, ControlRecord, Outcome
from backend.models.instances import ServiceInstance
from backend.models.ledger import BAND_COLUMNS, HourApproval, HourBreak, HourEntry, PeriodLock
from backend.models.messaging import OutboxMessage, ProcessedUpdate
from backend.models.organisation import Municipality, Region, RegionSettings
from backend.models.people import (
    ApiToken,
    Designation,
    EnrolmentCode,
    Inspector,
    LoginFailure,
    Unavailability,
    WebUser,
)
from backend.models.profile import BudgetLineRow, BudgetYear, JoiningOrganisation, OrtTableRow, PlanYear
from backend.models.work import Assignment, Callout, Offer, Report, Shift, ShiftChange

__all__ = [
    "BAND_COLUMNS",
    "DEFAULT_CALLOUT_SOURCES",
    "OFF_SHIFT",
    "AddressFinding",
    "ApiToken",
    "Assignment",
    "AssignmentStatus",
    "AuditRecord",
    "Base",
    "BudgetLineRow",
    "BudgetYear",
    "Callout",
    "CalloutSource",
    "CalloutStatus",
    "Contribution",
    "ControlRecord",
    "ControlledAddress",
    "Designation",
    "Disclosure",
    "EnrolmentCode",
    "Gender",
    "HourApproval",
    "HourBreak",
    "HourCategory",
    "HourEntry",
    "Inspector",
    "JoiningOrganisation",
    "LoginFailure",
    "Municipality",
    "Offer",
    "OfferStatus",
    "OrtTableRow",
    "OutboxMessage",
    "OutboxStatus",
    "Outcome",
    "PeriodLock",
    "PlanYear",
    "ProcessedUpdate",
    "Region",
    "RegionSettings",
    "Report",
    "ReportStatus",
    "Role",
    "ServiceInstance",
    "Shift",
    "ShiftChange",
    "ShiftChangeKind",
    "ShiftKind",
    "ShiftStatus",
    "Unavailability",
    "WebUser",
]
