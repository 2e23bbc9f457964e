"""Inspectors, their designations and availability, web users and enrolment codes.

Names, phone numbers, Telegram ids and TOTP secrets are sealed (EncryptedText);
the Telegram id is found through its blind index.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base, Gender, Role, created_at_column, text_enum
from secure_store.types import EncryptedText


class Inspector(Base):
    """A member of the team (the coordinator is one too); confidential by designation rules."""

    __tablename__ = "inspectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(EncryptedText("inspectors.name"), doc="Full name (sealed).")
    # The other sealed fields load only when a query asks for them (undefer): a roster
    # listing then opens one value a row, and no page shows a phone number by accident.
    first_name: Mapped[str] = mapped_column(
        EncryptedText("inspectors.first_name"),
        deferred=True,
        deferred_raiseload=True,
        doc="How the bot greets them (sealed).",
    )
    phone: Mapped[str | None] = mapped_column(
        EncryptedText("inspectors.phone"),
        deferred=True,
        deferred_raiseload=True,
        doc="Burner phone number (sealed).",
    )
    telegram_id: Mapped[str | None] = mapped_column(
        EncryptedText("inspectors.telegram_id"),
        deferred=True,
        deferred_raiseload=True,
        doc="Bound Telegram user id (sealed).",
    )
    telegram_index: Mapped[str | None] = mapped_column(
        String(64), unique=True, doc="Blind index of telegram_id, for look-ups."
    )
    employer_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id"), index=True, doc="The municipality that employs them."
    )
    salary_scale: Mapped[int] = mapped_column(doc="Cao Gemeenten salary scale.")
    salary_step: Mapped[int] = mapped_column(doc="Step within the scale.")
    trained_since: Mapped[date | None] = mapped_column(
        doc="Passed Bestuurlijk Toezicht Prostitutie on this date; None if not trained."
    )
    gender: Mapped[Gender] = mapped_column(text_enum(Gender, "gender"), doc="Only to prefer mixed pairs.")
    is_coordinator: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True, doc="False once they leave the team.")
    language: Mapped[str] = mapped_column(String(2), default="nl", doc="Bot language: nl or en.")
    revoked_at: Mapped[datetime | None] = mapped_column(
        doc="Telegram access cut off (lost phone); cleared by a new enrolment."
    )
    created_at: Mapped[datetime] = created_at_column()

    designations: Mapped[list[Designation]] = relationship(back_populates="inspector")


class Designation(Base):
    """An aanwijzingsbesluit: a municipality lets this inspector act there, for a while."""

    __tablename__ = "designations"
    __table_args__ = (
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="valid_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    decision_reference: Mapped[str] = mapped_column(
        EncryptedText("designations.decision_reference"),
        doc="The decision's reference (sealed: it may carry a name or a case number).",
    )
    valid_from: Mapped[date]
    valid_until: Mapped[date | None] = mapped_column(doc="Last valid day; None while in force.")

    inspector: Mapped[Inspector] = relationship(back_populates="designations")


class Unavailability(Base):
    """Leave or a blocked period, in whole local days; erased some time after it ends (retention)."""

    __tablename__ = "unavailabilities"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(doc="The first day's start (local midnight, as UTC).")
    ends_at: Mapped[datetime] = mapped_column(doc="The start of the day after the last day.")
    reason: Mapped[str | None] = mapped_column(
        EncryptedText("unavailabilities.reason"),
        doc="Why, if they said (sealed): seen by themselves and the coordinator only.",
    )
    created_by: Mapped[str] = mapped_column(String(64), doc="Who marked it: inspector:<id> or a web user.")
    created_at: Mapped[datetime] = created_at_column()


class WebUser(Base):
    """An account for the web pages: admin, coordinator, finance or auditor."""

    __tablename__ = "web_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(
        String(64), unique=True, doc="A function name (coordinator), not a person's name."
    )
    display_name: Mapped[str | None] = mapped_column(
        EncryptedText("web_users.display_name"), doc="A name to show beside the username (sealed)."
    )
    password_hash: Mapped[str] = mapped_column(String(255), doc="argon2id.")
    totp_secret: Mapped[str | None] = mapped_column(
        EncryptedText("web_users.totp_secret"), doc="The second factor's shared secret (sealed)."
    )
    role: Mapped[Role] = mapped_column(text_enum(Role, "role"))
    inspector_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspectors.id"), doc="Set when the user also works shifts."
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    totp_last_step: Mapped[int | None] = mapped_column(
        doc="The 30-second TOTP step of the last accepted code; that code and older ones are refused."
    )
    session_generation: Mapped[int] = mapped_column(
        default=0,
        server_default="0",
        doc="Sessions carry the number they started with; raising it ends them all (logout, reset, off).",
    )
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at_column()


class LoginFailure(Base):
    """A failed login, for the throttle that every instance shares; kept only for the throttle's window.

    Both keys are blind indexes (keyed digests): an unknown username may be a
    password typed in the wrong field, and an address is personal data.
    """

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64), index=True, doc="Blind index of the username.")
    address_key: Mapped[str] = mapped_column(
        String(64), index=True, doc="Blind index of the client's address."
    )
    failed_at: Mapped[datetime] = mapped_column(index=True)


class ApiToken(Base):
    """A bearer token for the JSON API, with the role whose routes it may use; stored hashed."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(
        EncryptedText("api_tokens.name"), doc='What it is for ("finance export"), sealed: typed freely.'
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, doc="SHA-256 of the token.")
    role: Mapped[Role] = mapped_column(text_enum(Role, "role"))
    is_read_only: Mapped[bool] = mapped_column(default=True, doc="Only GET routes.")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class EnrolmentCode(Base):
    """A one-time code that binds a burner phone's Telegram account to an inspector."""

    __tablename__ = "enrolment_codes"
    __table_args__ = (UniqueConstraint("code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), doc="SHA-256 of the code; never the code.")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
