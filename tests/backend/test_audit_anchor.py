"""The day's anchor of the audit log: its head goes, silently, to the admins' phones (to the
coordinators when no admin account has one), once a day, and the sending is recorded."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import AuditRecord, OutboxMessage, Role
from backend.services import accounts, audit
from tests.factories import NOW, inspector, region


def anchors_sent(session: Session) -> list[tuple[int | None, dict[str, object]]]:
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.ref == "audit:anchor"))
    return [(row.inspector_id, json.loads(row.payload)) for row in rows]


def test_the_head_goes_silently_to_the_admins_phone_once_a_day(session: Session) -> None:
    _, home = region(session)
    admin = inspector(session, home, "Anne de Vries", telegram_id="4001")
    coordinator = inspector(session, home, "Sjoerd Dijkstra", telegram_id="4002")
    coordinator.is_coordinator = True
    accounts.create_web_user(session, NOW, "cli", "beheer", Role.ADMIN, inspector_id=admin.id)
    head = audit.head(session)
    assert head is not None

    assert audit.send_anchor(session, NOW) == head
    [(to, payload)] = anchors_sent(session)
    assert to == admin.id and payload["template"] == "admin.audit_anchor"
    assert payload["params"] == {"anchor": f"{head.seq}:{head.mac}"} and payload["disable_notification"]
    assert (
        session.scalars(select(AuditRecord.action).order_by(AuditRecord.seq.desc())).first()
        == audit.ANCHORED_ACTION
    )
    assert audit.send_anchor(session, NOW + timedelta(hours=2)) is None, "once a day"
    assert audit.send_anchor(session, NOW + timedelta(days=1)) is not None
    assert len(anchors_sent(session)) == 2


def test_without_an_admin_on_telegram_the_coordinators_get_the_anchor(session: Session) -> None:
    _, home = region(session)
    coordinator = inspector(session, home, "Sjoerd Dijkstra", telegram_id="4002")
    coordinator.is_coordinator = True
    accounts.create_web_user(session, NOW, "cli", "beheer", Role.ADMIN)
    assert audit.send_anchor(session, NOW) is not None
    assert [to for to, _ in anchors_sent(session)] == [coordinator.id]
