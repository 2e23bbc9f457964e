"""The register of disclosures: what left piket, to whom and why (the guideline's sharing rule)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base
from secure_store.types import EncryptedText


class Disclosure(Base):
    """One export, statement, backup, hand-over or access request, as it left piket."""

    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True, doc="When it was handed out (UTC).")
    actor: Mapped[str] = mapped_column(
        String(64), index=True, doc="Who handed it out: web:finance, cli, job:backup."
    )
    kind: Mapped[str] = mapped_column(String(32), doc="What left: ledger.csv, settlement.xlsx, backup, ...")
    receiver: Mapped[str] = mapped_column(
        EncryptedText("disclosures.receiver"), doc="Who received it, as typed (sealed)."
    )
    purpose: Mapped[str] = mapped_column(
        EncryptedText("disclosures.purpose"), doc="Why they need it, as typed (sealed)."
    )
    scope: Mapped[str] = mapped_column(
        Text, default="{}", doc="Canonical JSON of what was selected: period, ids; no names."
    )
