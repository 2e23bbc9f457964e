"""The register of disclosures, pseudonyms in exports, and a person's own data (AVG art. 15): at the
service level and through the command line an operator uses."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.models import Disclosure, HourCategory, Unavailability
from backend.services import audit, disclosures, exports, ledger, subject
from backend.services.errors import NotFound, ServiceError
from scheduling.calendar import local_instant
from scheduling.ort import planned_break
from secure_store import KeyRing, use_keyring
from tests.conftest import Piket
from tests.factories import NOW, designate, inspector, region


def test_a_disclosure_needs_a_receiver_and_a_purpose_and_both_are_sealed(session: Session) -> None:
    for receiver, purpose, field in (
        (None, "jaarafsluiting", "receiver"),
        ("accountant", " \t", "purpose"),
        ("x" * 201, "jaarafsluiting", "receiver"),
        ("accountant\x00", "jaarafsluiting", "receiver"),
    ):
        with pytest.raises(ServiceError) as refused:
            disclosures.record(
                session, at=NOW, actor="web:finance", kind="ledger.csv", receiver=receiver, purpose=purpose
            )
        assert refused.value.field == field
    made = disclosures.record(
        session,
        at=NOW,
        actor="web:finance",
        kind="ledger.csv",
        receiver="  accountant   Smallingerland ",
        purpose="jaarafsluiting 2027",
        scope={"start": date(2027, 1, 1)},
    )
    assert (made.receiver, made.scope) == ("accountant Smallingerland", '{"start": "2027-01-01"}')
    stored = session.execute(text("SELECT receiver, purpose FROM disclosures")).one()
    assert "Smallingerland" not in stored[0] and "jaarafsluiting" not in stored[1]


def test_the_last_receiver_and_purpose_are_remembered_per_person_and_kind(session: Session) -> None:
    assert disclosures.remembered(session, "web:finance", "ledger.csv") is None
    for receiver in ("accountant", "controller"):
        disclosures.record(
            session,
            at=NOW,
            actor="web:finance",
            kind="ledger.csv",
            receiver=receiver,
            purpose="jaarafsluiting",
        )
    disclosures.record(
        session, at=NOW, actor="web:auditor", kind="ledger.csv", receiver="rekenkamer", purpose="onderzoek"
    )
    assert disclosures.remembered(session, "web:finance", "ledger.csv") == disclosures.Choice(
        "controller", "jaarafsluiting"
    )
    assert disclosures.remembered(session, "web:finance", "settlement.csv") is None
    chosen = disclosures.resolved(session, "web:finance", "ledger.csv", None, "tussenrapportage")
    assert chosen == disclosures.Choice("controller", "tussenrapportage")
    with pytest.raises(ServiceError):
        disclosures.resolved(session, "cli", "backup", None, None)


def test_a_pseudonym_is_stable_distinct_and_needs_the_key_ring(keyring: KeyRing) -> None:
    codes = [exports.pseudonym(i) for i in range(1, 200)]
    assert codes == [exports.pseudonym(i) for i in range(1, 200)]
    assert len(set(codes)) == len(codes) and all(c.startswith("INS-") and len(c) == 10 for c in codes)
    use_keyring(KeyRing.generate())
    try:
        assert exports.pseudonym(1) != codes[0], "without the key ring the code cannot be made from the id"
    finally:
        use_keyring(keyring)


def test_a_persons_data_holds_everything_about_them_opened_and_nothing_about_others(session: Session) -> None:
    _, home = region(session)
    anna = inspector(session, home, "Anna de Vries", telegram_id="5551")
    anna.phone = "+31 6 1234 5678"
    other = inspector(session, home, "Sjoerd Dijkstra")
    designate(session, anna, home)
    designate(session, other, home)
    session.add(
        Unavailability(
            inspector_id=anna.id,
            starts_at=NOW,
            ends_at=NOW + timedelta(days=2),
            created_by="web:coordinator",
            created_at=NOW,
        )
    )
    start = local_instant(date(2027, 3, 2), time(14))
    for who in (anna, other):
        ledger.record(
            session,
            NOW,
            "bot",
            inspector_id=who.id,
            municipality_id=home.id,
            category=HourCategory.CONTROL,
            starts_at=start,
            ends_at=start + timedelta(hours=9),
            breaks=planned_break(start, start + timedelta(hours=9), 60),
        )
    audit.record(session, NOW, "web:admin", "inspector.changed", f"inspector:{anna.id}")
    audit.record(session, NOW, "web:admin", "inspector.changed", f"inspector:{other.id}")
    held = subject.subject_data(session, anna.id)
    [me] = held["inspectors"]
    assert (me["name"], me["phone"], me["telegram_id"]) == ("Anna de Vries", "+31 6 1234 5678", "5551")
    assert "telegram_index" not in me
    assert len(held["designations"]) == len(held["unavailabilities"]) == len(held["hour_entries"]) == 1
    assert len(held["hour_breaks"]) == 1
    assert [r["subject"] for r in held["audit_records"]] == [f"inspector:{anna.id}"]
    document = json.dumps(held)
    assert "Sjoerd" not in document
    with pytest.raises(NotFound):
        subject.subject_data(session, 999_999)


def test_handing_over_a_persons_data_is_recorded_in_the_register(session: Session) -> None:
    _, home = region(session)
    anna = inspector(session, home, "Anna de Vries")
    with pytest.raises(ServiceError):
        subject.hand_over(session, NOW, "cli", anna.id, "", "inzageverzoek")
    document = json.loads(
        subject.hand_over(
            session, NOW, "cli", anna.id, "Anna de Vries (betrokkene)", "inzageverzoek AVG art. 15"
        )
    )
    assert document["format"] == "piket-subject-v1"
    assert document["data"]["inspectors"][0]["name"] == "Anna de Vries"
    [row] = session.execute(select(Disclosure)).scalars()
    assert (row.kind, row.scope) == ("subject", f'{{"inspector_id": {anna.id}}}')


def test_the_command_line_writes_a_persons_data_and_remembers_receiver_and_purpose(
    demo: Result, piket: Piket, tmp_path: Path
) -> None:
    refused = piket("privacy", "subject", "2", expect=2)
    assert "--receiver" in refused.output
    shown = piket(
        "privacy", "subject", "2", "--receiver", "de toezichthouder zelf", "--purpose", "inzageverzoek"
    )
    held = json.loads(shown.stdout)
    assert held["inspector_id"] == 2 and held["data"]["inspectors"][0]["name"]
    out = tmp_path / "inzage.json"
    piket("privacy", "subject", "2", "--out", str(out))
    assert json.loads(out.read_text())["inspector_id"] == 2 and out.stat().st_mode & 0o077 == 0
    assert "no inspector" in piket("privacy", "subject", "99999", expect=1).output
    backup = tmp_path / "piket.backup"
    assert "--receiver" in piket("backup", str(backup), expect=2).output
    piket("backup", str(backup), "--receiver", "beheer", "--purpose", "voor de upgrade")
    register = piket("privacy", "register").output
    assert "`disclosures`" in register


def test_every_backup_records_itself(demo: Result, piket: Piket, env: dict[str, str], tmp_path: Path) -> None:
    from backend.db import Database

    piket("backup", str(tmp_path / "a.backup"), "--receiver", "beheer", "--purpose", "herstel")
    piket("backup", str(tmp_path / "b.backup"))
    database = Database(env["PIKET_DATABASE_URL"])
    with database.transaction() as session:
        found = session.execute(select(Disclosure)).scalars()
        rows = [(r.actor, r.kind, r.receiver, r.purpose) for r in found]
    database.dispose()
    assert rows == [("cli", "backup", "beheer", "herstel")] * 2
