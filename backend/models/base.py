"""The declarative base, shared column helpers and the enumerations stored as text."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Enum, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.db import UTCDateTime
from secure_store.types import bind_sealed_values_to_rows

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


bind_sealed_values_to_rows(Base)


def text_enum(cls: type[enum.Enum], name: str) -> Enum:
    """An enumeration stored as its values in a text column with a CHECK constraint."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [m.value for m in members],
    )


def created_at_column() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), nullable=False, doc="When the row was written (UTC).")


class Contribution(enum.StrEnum):
    HOURS = "hours"
    MONEY = "money"


class Gender(enum.StrEnum):
    """Only used to prefer mixed-gender pairs; `x` never blocks a pair."""

    FEMALE = "f"
    MALE = "m"
    OTHER = "x"


class ShiftKind(enum.StrEnum):
    CONTROL = "control"
    CALLOUT = "callout"
    COORDINATION = "coordination"


class ShiftStatus(enum.StrEnum):
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    DONE = "done"
    CANCELLED = "cancelled"


class ShiftChangeKind(enum.StrEnum):
    MOVED = "moved"
    CANCELLED = "cancelled"


class AssignmentStatus(enum.StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    COVER_REQUESTED = "cover_requested"
    RELEASED = "released"


class CalloutSource(enum.StrEnum):
    """Why a call-out is made: the guideline's sources. Which of them a team uses is its profile's
    `callout_sources` (today's three by default)."""

    MMA = "mma"
    NUISANCE = "nuisance"
    POLICE = "police"
    HEALTH_SERVICE = "health_service"
    """The municipal health service (GGD)."""
    CARE_WORKER = "care_worker"
    RESIDENT = "resident"
    ONLINE_ADVERT = "online_advert"
    OWN_OBSERVATION = "own_observation"


DEFAULT_CALLOUT_SOURCES = (CalloutSource.MMA, CalloutSource.NUISANCE, CalloutSource.POLICE)
"""The sources a team's call-outs have unless its profile names others."""


class CalloutStatus(enum.StrEnum):
    OPEN = "open"
    FILLED = "filled"
    CANCELLED = "cancelled"
    UNSTAFFED = "unstaffed"


class OfferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    STANDBY = "standby"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class HourCategory(enum.StrEnum):
    CONTROL = "control"
    CALLOUT = "callout"
    REPORT = "report"
    COORDINATION = "coordination"
    PREPARATION = "preparation"
    TRAINING = "training"
    PEER_REVIEW = "peer_review"
    """Intervisie: inspectors keeping their expertise up together (seed 001)."""


OFF_SHIFT = (
    HourCategory.COORDINATION,
    HourCategory.PREPARATION,
    HourCategory.TRAINING,
    HourCategory.PEER_REVIEW,
)
"""Work outside shifts, recorded by itself (no shift): the coordinator's, and the team's upkeep."""


class ReportStatus(enum.StrEnum):
    PENDING = "pending"
    WRITTEN = "written"
    RETURNED = "returned"
    """Sent back by the coordinator with a remark; written again when the writer logs the time anew."""
    REVIEWED = "reviewed"


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    FINANCE = "finance"
    AUDITOR = "auditor"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"
    """Never sent, by design: it changed before it went (see `backend/services/outbox.py`)."""
