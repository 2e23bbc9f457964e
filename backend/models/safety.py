"""The pair's safety during a shift: taps and times only, never a position.

`safety_watches` holds, per inspector on a shift, when the bot asked them to check out and when they
tapped "Veilig klaar"; `safety_check_ins` the moments one of them tapped "We gaan naar binnen".
`safety_alerts` are the missed check-outs, alarms and duress check-outs, with the ladder's stage,
who took each and how it ended. `duress_words` keeps a keyed digest of an inspector's code word,
never the word; `risk_notes` the police's risk analysis of a control (sealed, erased by retention).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, text_enum
from secure_store.types import EncryptedText


class AlertKind(enum.StrEnum):
    MISSED_CHECKOUT = "missed_checkout"
    ALARM = "alarm"
    DURESS = "duress"


class AlertStage(enum.StrEnum):
    """Who has been told: the coordinator, then the back-up, then every coordinator and admin."""

    COORDINATOR = "coordinator"
    BACKUP = "backup"
    EVERYONE = "everyone"


class AlertOutcome(enum.StrEnum):
    """What happened, as the person who took the alert recorded it."""

    ALL_WELL = "all_well"
    FORGOT = "forgot"
    HELP_SENT = "help_sent"
    FALSE_ALARM = "false_alarm"


class RiskLevel(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class SafetyWatch(Base):
    """One inspector on one shift, watched for a check-out once the bot asked for it."""

    __tablename__ = "safety_watches"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id"), unique=True, doc="One watch an assignment: the ask goes once."
    )
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), index=True)
    asked_at: Mapped[datetime] = mapped_column(doc="When the bot asked for check-ins and the check-out.")
    checked_out_at: Mapped[datetime | None] = mapped_column(
        doc='When they tapped "Veilig klaar" (or typed the code word: the same on the phone).'
    )


class SafetyCheckIn(Base):
    """A tap on "We gaan naar binnen": who and when, never where."""

    __tablename__ = "safety_check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"))
    checked_in_at: Mapped[datetime]


class SafetyAlert(Base):
    """A missed check-out, an alarm or a duress check-out, climbing the ladder until someone takes it."""

    __tablename__ = "safety_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    kind: Mapped[AlertKind] = mapped_column(text_enum(AlertKind, "safety_alert_kind"))
    once_key: Mapped[str | None] = mapped_column(
        String(40), unique=True, doc="missed:<shift>: a shift's missed check-out is raised once."
    )
    raised_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspectors.id"), doc="Who pressed the alarm or typed the code word."
    )
    raised_at: Mapped[datetime]
    since_at: Mapped[datetime] = mapped_column(doc="The planned end (missed check-out) or the press.")
    stage: Mapped[AlertStage] = mapped_column(text_enum(AlertStage, "safety_alert_stage"))
    next_step_at: Mapped[datetime | None] = mapped_column(
        index=True, doc="When the ladder climbs unless someone took it; None at the top."
    )
    taken_by: Mapped[str | None] = mapped_column(String(64), doc="inspector:<id> or web:<username>.")
    taken_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None]
    outcome: Mapped[AlertOutcome | None] = mapped_column(text_enum(AlertOutcome, "safety_alert_outcome"))
    version: Mapped[int] = mapped_column(default=1, doc="Compare-and-set counter.")


class DuressWord(Base):
    """An inspector's private code word, as a keyed digest: it can be checked, not read back."""

    __tablename__ = "duress_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), unique=True)
    mark: Mapped[str] = mapped_column(String(64), doc="HMAC-SHA256 of the word with the index key.")
    set_at: Mapped[datetime]


class RiskNote(Base):
    """The police's risk analysis of a control, as the coordinator entered it (sealed; expires)."""

    __tablename__ = "risk_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), unique=True)
    level: Mapped[RiskLevel] = mapped_column(text_enum(RiskLevel, "risk_level"))
    note: Mapped[str | None] = mapped_column(
        EncryptedText("risk_notes.note"), doc="Short free text about the premises (sealed); purged."
    )
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[datetime]
    purged_at: Mapped[datetime | None] = mapped_column(doc="When retention erased the note.")
