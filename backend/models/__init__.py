"""All tables, importable from one place (Alembic and the backup read Base.metadata)."""

from backend.models.audit import AuditRecord
from backend.models.base import (
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
    ShiftKind,
    ShiftStatus,
)
from backend.models.instances import ServiceInstance
from backend.models.ledger import BAND_COLUMNS, HourApproval, HourBreak, HourEntry, PeriodLock
from backend.models.messaging import OutboxMessage, ProcessedUpdate
from backend.models.organisation import Municipality, Region
from backend.models.people import ApiToken, Designation, EnrolmentCode, Inspector, Unavailability, WebUser
from backend.models.profile import BudgetLineRow, BudgetYear, JoiningOrganisation, OrtTableRow, PlanYear
from backend.models.work import Assignment, Callout, Offer, Report, Shift

__all__ = [
    "BAND_COLUMNS",
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
    "Designation",
    "EnrolmentCode",
    "Gender",
    "HourApproval",
    "HourBreak",
    "HourCategory",
    "HourEntry",
    "Inspector",
    "JoiningOrganisation",
    "Municipality",
    "Offer",
    "OfferStatus",
    "OrtTableRow",
    "OutboxMessage",
    "OutboxStatus",
    "PeriodLock",
    "PlanYear",
    "ProcessedUpdate",
    "Region",
    "Report",
    "ReportStatus",
    "Role",
    "ServiceInstance",
    "Shift",
    "ShiftKind",
    "ShiftStatus",
    "Unavailability",
    "WebUser",
]
