"""The running instances of piket and the keys each one holds (no personal data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base


class ServiceInstance(Base):
    """One running `serve`/`web`/`bot` process: it reports the key ids it has loaded on a heartbeat, so
    that `piket keys rotate` waits until every live instance holds the new active key."""

    __tablename__ = "service_instances"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, doc="A random id per process start.")
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime] = mapped_column(doc="The last heartbeat; an instance silent long is gone.")
    active_key: Mapped[str] = mapped_column(String(32), doc="The id of the key it seals new values with.")
    key_ids: Mapped[str] = mapped_column(String(400), doc="The key ids it holds, comma-separated.")
