"""Running instances report the keys they hold, so that key rotation waits for all of them.

Each `serve`, `web`, `bot` or `scheduler` process writes a heartbeat row every
PIKET_HEARTBEAT_SECONDS with the key ids it has loaded (it reads the key file again first). An
instance not heard of for `LIVE` is gone. `piket keys rotate` re-seals values under
the active key only once every live instance holds that key as its active one:
otherwise an instance would go on sealing new values with the old key, or fail to
open the re-sealed ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.db import Database
from backend.models import ServiceInstance
from secure_store import KeyRing

LIVE = timedelta(seconds=30)
FORGET = timedelta(days=1)
"""Rows of instances gone this long are removed."""


def report(session: Session, now: datetime, instance_id: str, started_at: datetime, keyring: KeyRing) -> None:
    """This instance's heartbeat: when it was seen and which keys it holds."""
    row = session.get(ServiceInstance, instance_id)
    if row is None:
        row = ServiceInstance(id=instance_id, started_at=started_at)
        session.add(row)
    row.seen_at, row.active_key, row.key_ids = now, keyring.active_id, ",".join(sorted(keyring.keys))
    session.execute(delete(ServiceInstance).where(ServiceInstance.seen_at < now - FORGET))


def leave(session: Session, instance_id: str) -> None:
    session.execute(delete(ServiceInstance).where(ServiceInstance.id == instance_id))


def lagging(session: Session, now: datetime, active_id: str) -> list[ServiceInstance]:
    """Live instances whose active key is not `active_id`."""
    return list(
        session.scalars(
            select(ServiceInstance)
            .where(ServiceInstance.seen_at >= now - LIVE, ServiceInstance.active_key != active_id)
            .order_by(ServiceInstance.started_at)
        )
    )


def wait_for_key(
    database: Database, now: Callable[[], datetime], active_id: str, patience: timedelta
) -> list[str]:
    """Wait (at most `patience`) until every live instance holds `active_id` as its active key; returns
    the ids of those that still do not."""
    deadline = time.monotonic() + patience.total_seconds()
    while True:
        with database.reading() as session:
            behind = [row.id for row in lagging(session, now(), active_id)]
        if not behind or time.monotonic() >= deadline:
            return behind
        time.sleep(0.5)
