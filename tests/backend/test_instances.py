"""Instances report their keys; key rotation waits only for live ones that lack the active key, and a
process opens a value sealed by a key added after it started by reading its key file again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.models import Inspector
from backend.services import instances
from secure_store import KeyRing, use_keyring
from tests.factories import NOW, inspector, region


def test_only_live_instances_without_the_active_key_hold_up_rotation(session: Session) -> None:
    old, new = KeyRing.generate(), KeyRing.generate()
    instances.report(session, NOW, "current", NOW, new)
    instances.report(session, NOW, "behind", NOW, old)
    instances.report(session, NOW - instances.LIVE - timedelta(seconds=1), "gone", NOW, old)
    assert [row.id for row in instances.lagging(session, NOW, new.active_id)] == ["behind"]
    instances.report(session, NOW + timedelta(seconds=5), "behind", NOW, new)
    assert instances.lagging(session, NOW + timedelta(seconds=5), new.active_id) == []
    instances.leave(session, "current")
    instances.report(session, NOW + instances.FORGET + timedelta(seconds=6), "behind", NOW, new)
    assert {row.id for row in instances.lagging(session, NOW, "none")} == {"behind"}, "long gone ones go"


def test_a_value_sealed_by_a_key_added_since_start_opens_after_reading_the_key_file(
    session: Session, keyring: KeyRing, tmp_path: Path
) -> None:
    _, home = region(session)
    made = inspector(session, home, "Anne de Vries")
    newer = keyring.with_new_active_key()
    key_file = tmp_path / "keys.json"
    keyring.write(key_file)
    use_keyring(keyring, reload=lambda: KeyRing.from_file(key_file))
    newer.write(key_file)  # `piket keys add` and `keys rotate` in another process
    session.execute(
        text("UPDATE inspectors SET name = :v WHERE id = :id"),
        {"v": newer.encrypt("Anne de Vries", "inspectors.name", str(made.id)), "id": made.id},
    )
    session.expire_all()
    assert session.scalars(select(Inspector.name).where(Inspector.id == made.id)).one() == "Anne de Vries"
