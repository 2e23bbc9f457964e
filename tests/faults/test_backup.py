"""`piket backup` while `piket serve` handles a burst of taps, and `piket restore` into an empty
database elsewhere: the snapshot is consistent (no tap without its effect, the audit chain
intact), an idle backup restores to identical tables, and the wrong keys are refused."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from backend.db import Database
from backend.models import HourEntry, Offer, OfferStatus
from backend.services import audit
from backend.services.backup import table_digests
from secure_store import KeyRing
from tests.conftest import DatabaseFactory, Templates
from tests.faults.conftest import Site
from tests.faults.processes import piket
from tests.faults.scenario import (
    ACCEPT,
    HOURS_OK,
    buttons,
    describe_pending,
    ended_shifts,
    open_callouts,
    pending_outbox,
    processed_updates,
    seed_crew,
)

TAPPED = (OfferStatus.ACCEPTED, OfferStatus.STANDBY, OfferStatus.DECLINED)


class Steady:
    """True once `read()` gave the same value for `seconds`: the service has nothing left to write."""

    def __init__(self, read: Callable[[], object], seconds: float) -> None:
        self.read, self.seconds = read, seconds
        self.value: object = None
        self.since = 0.0

    def __call__(self) -> bool:
        value, now = self.read(), time.monotonic()
        if value != self.value:
            self.value, self.since = value, now
        return now - self.since >= self.seconds

    def __repr__(self) -> str:
        return f"unchanged for {time.monotonic() - self.since:.1f} of {self.seconds} s"


def restore_elsewhere(site: Site, databases: DatabaseFactory, templates: Templates, backup: Path) -> Database:
    """`piket restore` into an empty database at the newest migration (what `piket db upgrade` makes)."""
    restored = databases.copy(templates.migrated())
    done = piket({**site.env(), "PIKET_DATABASE_URL": restored.url}, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert "the content matches the backup" in done.stdout
    return restored


def assert_whole(database: Database, pressed: dict[str, str]) -> None:
    """Every recorded tap has its effect and every effect its tap, and the audit chain holds."""
    processed = processed_updates(database)
    taps = [data for query, data in pressed.items() if int(query[1:]) in processed]
    with database.transaction() as session:
        tapped = {o.id for o in session.execute(select(Offer).where(Offer.status.in_(TAPPED))).scalars()}
        entries = session.execute(select(HourEntry)).scalars().all()
        assert tapped <= {int(data.split(":")[1]) for data in taps if ACCEPT.match(data)}
        assert len(entries) == len([data for data in taps if HOURS_OK.match(data)])
        assert audit.verify(session).is_intact


def test_backup_while_serving_restores_whole_and_identical(
    site: Site, databases: DatabaseFactory, templates: Templates, tmp_path: Path
) -> None:
    now = site.now()
    crew = seed_crew(site.database, now, size=16)
    open_callouts(site.database, crew, now, count=5)
    ended_shifts(site.database, crew, now, pairs=6)
    telegram = site.telegram
    server = site.serve()
    server.wait_until(lambda: pending_outbox(site.database) == 0, 90, "the offers and prompts")
    taps = buttons(telegram, ACCEPT) + buttons(telegram, HOURS_OK)
    random.Random(7).shuffle(taps)
    pressed = {telegram.press(phone, data): data for phone, data in taps}

    telegram.wait_for(lambda: len(telegram.answers()) >= 10, 60, "the burst to be under way")
    answered_before = len(telegram.answers())
    during = tmp_path / "during.piket-backup"
    made = piket(site.env(), "backup", str(during), "--receiver", "beheer", "--purpose", "herstel")
    assert made.returncode == 0, made.stderr
    answered_while = len(telegram.answers()) - answered_before
    assert_whole(restore_elsewhere(site, databases, templates, during), pressed)

    # Once the burst is over: a backup of the idle service restores to identical tables.
    server.wait_until(
        lambda: len(telegram.answers()) == len(pressed) and pending_outbox(site.database) == 0,
        90,
        "the burst to end",
        lambda: describe_pending(site.database),
    )
    server.wait_until(Steady(lambda: table_digests(site.database), seconds=1.0), 30, "the tables to rest")
    idle = tmp_path / "idle.piket-backup"
    made = piket(site.env(), "backup", str(idle), "--receiver", "beheer", "--purpose", "herstel")
    assert made.returncode == 0
    restored = restore_elsewhere(site, databases, templates, idle)
    source_digests, restored_digests = table_digests(site.database), table_digests(restored)
    assert restored_digests == source_digests
    assert sum(count for count, _ in source_digests.values()) > 500
    assert_whole(restored, pressed)

    # Other keys cannot open it, and say so.
    other_keys = tmp_path / "other-keys.json"
    KeyRing.generate().write(other_keys)
    refused = piket(
        {**site.env(), "PIKET_KEYS_FILE": str(other_keys), "PIKET_DATABASE_URL": databases.url()},
        "restore",
        str(idle),
    )
    assert refused.returncode != 0 and "restore refused" in refused.stderr
    print(
        f"\nbackup: {answered_while} taps answered while the backup ran; "
        f"{sum(c for c, _ in source_digests.values())} rows in {len(source_digests)} tables identical"
    )
