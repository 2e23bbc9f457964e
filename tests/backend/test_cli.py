"""The piket command as an operator uses it: keys, audit, demo, backup and restore."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import text

from backend.db import Database
from backend.services.backup import table_digests
from secure_store import KeyRing
from tests.conftest import POSTGRES_URL, DatabaseFactory, Piket
from tests.profiles import PROFILES

SHARED = ("--receiver", "beheer", "--purpose", "herstel")
"""Who receives a backup and why (asked of every backup, recorded in the register)."""


def test_demo_prints_one_time_passwords_for_the_three_roles(demo: Result) -> None:
    for username in ("admin", "coordinator", "finance"):
        assert f"  {username}" in demo.output


def test_demo_refuses_to_load_twice_without_reset(demo: Result, piket: Piket) -> None:
    assert "already holds data" in piket("demo", expect=1).output
    assert "Demo loaded" in piket("demo", "--reset").output


SENSITIVE = ["Hoekstra", "Wytske", "Dijkstra", "Terpstra", "Wilhelminastraat", "+31 6", "Drachten"]


def test_after_demo_the_sqlite_file_holds_no_name_phone_or_location_in_clear(
    demo: Result, env: dict[str, str], backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("the PostgreSQL variant reads pg_dump")
    path = Path(env["PIKET_DATABASE_URL"].removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    found = [word for word in SENSITIVE if word.encode() in raw]
    assert found == []
    assert b"Leeuwarden" in raw  # municipalities are public, and the file was really read


def test_after_demo_pg_dump_holds_no_name_phone_or_location_in_clear(
    demo: Result, env: dict[str, str], backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("the SQLite variant reads the file")
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    schema = env["PIKET_DATABASE_URL"].rsplit("%3D", 1)[1]
    dump = subprocess.run(
        ["pg_dump", "--schema", schema, POSTGRES_URL.replace("postgresql+psycopg", "postgresql")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert [word for word in SENSITIVE if word in dump] == []
    assert "Leeuwarden" in dump


def test_key_rotation_from_a_to_b_then_without_a(demo: Result, piket: Piket, env: dict[str, str]) -> None:
    key_file = Path(env["PIKET_KEYS_FILE"])
    key_a = KeyRing.from_file(key_file).active_id
    piket("keys", "add")
    key_b = KeyRing.from_file(key_file).active_id
    assert f"{key_a}" in piket("keys", "remove", key_a, expect=1).output  # still in use
    rotated = piket("keys", "rotate", "--batch-size", "7")
    assert f"under key {key_b}" in rotated.output
    piket("keys", "remove", key_a)
    assert set(KeyRing.from_file(key_file).keys) == {key_b}
    verified = piket("keys", "verify")
    assert f"key {key_b} (active): 170 values" in verified.output  # 132 of them designations
    assert "every encrypted value opens" in verified.output


def test_rotation_resumes_after_an_interruption(
    demo: Result, piket: Piket, env: dict[str, str], databases: DatabaseFactory
) -> None:
    from backend.services.keys import rotate

    piket("keys", "add")
    keyring = KeyRing.from_file(Path(env["PIKET_KEYS_FILE"]))
    database = Database(env["PIKET_DATABASE_URL"])
    calls = []

    def stop_after_first_batch(table: str, count: int) -> None:
        calls.append(count)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rotate(database, keyring, batch_size=5, progress=stop_after_first_batch)
    assert calls == [5]
    # The first batch (5 inspectors, 3 sealed values each) was committed before the stop.
    assert rotate(database, keyring, batch_size=5) == 170 - 15
    database.dispose()


def test_keys_verify_names_a_value_it_cannot_open(demo: Result, piket: Piket, env: dict[str, str]) -> None:
    stranger = KeyRing.generate().encrypt("x", "inspectors.phone", "3")
    database = Database(env["PIKET_DATABASE_URL"])
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE inspectors SET phone = :p WHERE id = 3"), {"p": stranger})
    database.dispose()
    result = piket("keys", "verify", expect=1)
    assert "inspectors.phone id=3" in result.output and "not in the key ring" in result.output


def test_audit_verify_names_an_altered_record(
    demo: Result, piket: Piket, env: dict[str, str], backend: str
) -> None:
    # the profile, 3 accounts, the past call-out's findings, the demo
    assert "audit log intact: 6 records" in piket("audit", "verify").output
    tamper(env, backend, "update", "UPDATE audit_records SET actor = 'cli:someone' WHERE seq = 2")
    result = piket("audit", "verify", expect=1)
    assert "broken at record 2" in result.output and "altered" in result.output


def tamper(env: dict[str, str], backend: str, event: str, statement: str) -> None:
    """An attacker with database rights removes the append-only guard against `event`, then changes the
    audit log."""
    database = Database(env["PIKET_DATABASE_URL"])
    with database.engine.begin() as connection:
        if backend == "postgresql":
            connection.execute(text("DROP TRIGGER audit_records_append_only ON audit_records"))
        else:
            connection.execute(text(f"DROP TRIGGER audit_records_no_{event}"))
        connection.execute(text(statement))
    database.dispose()


def test_audit_verify_shows_newest_records_cut_off_against_the_anchor_in_the_newest_backup(
    demo: Result, piket: Piket, env: dict[str, str], backend: str, tmp_path: Path
) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    piket("backup", str(backups / "piket-20270309T030000Z.backup"), *SHARED)
    piket("keys", "add")
    piket("keys", "rotate")  # one more record after the anchor
    held = piket("audit", "verify", PIKET_BACKUP_DIR=str(backups)).output
    assert "audit log intact: 7 records" in held
    assert "matches the anchor from backup piket-20270309T030000Z.backup (record 6)" in held
    tamper(env, backend, "delete", "DELETE FROM audit_records WHERE seq >= 6")
    assert "audit log intact: 5 records" in piket("audit", "verify").output, "the chain alone cannot tell"
    refused = piket("audit", "verify", expect=1, PIKET_BACKUP_DIR=str(backups)).output
    assert "does not match the anchor from backup piket-20270309T030000Z.backup" in refused
    assert "the newest records were cut off: the anchor names record 6, the log ends at record 5" in refused


def test_audit_verify_takes_an_anchor_as_given(
    demo: Result, piket: Piket, env: dict[str, str], tmp_path: Path
) -> None:
    piket("backup", str(tmp_path / "b"), *SHARED)
    from backend.services.backup import anchor_of

    anchor = anchor_of(tmp_path / "b")
    assert anchor is not None and anchor.seq == 6
    assert (
        "matches the anchor from --anchor (record 6)"
        in piket("audit", "verify", "--anchor", str(anchor)).output
    )
    assert "(record 6)" in piket("audit", "verify", "--backup", str(tmp_path / "b")).output
    forged = piket("audit", "verify", "--anchor", f"6:{'0' * 64}", expect=1).output
    assert "record 6 is not the anchored one" in forged
    assert "an anchor is SEQ:MAC" in piket("audit", "verify", "--anchor", "5:zz", expect=2).output


def test_backup_and_restore_on_another_database_give_the_same_content(
    demo: Result, piket: Piket, env: dict[str, str], databases: DatabaseFactory, tmp_path: Path
) -> None:
    target = databases.url()
    piket("backup", str(tmp_path / "piket.backup"), "--receiver", "beheer", "--purpose", "herstel")
    raw = (tmp_path / "piket.backup").read_bytes()
    assert b"Hoekstra" not in raw and b"Leeuwarden" not in raw  # the whole stream is sealed
    piket("db", "upgrade", PIKET_DATABASE_URL=target)
    restored = piket("restore", str(tmp_path / "piket.backup"), PIKET_DATABASE_URL=target)
    assert "the content matches the backup" in restored.output
    source_db, target_db = Database(env["PIKET_DATABASE_URL"]), Database(target)
    assert table_digests(source_db) == table_digests(target_db)
    source_db.dispose(), target_db.dispose()
    assert "Demo loaded" not in piket("audit", "verify", PIKET_DATABASE_URL=target).output


def test_restore_refuses_other_keys_and_a_non_empty_database(
    demo: Result, piket: Piket, databases: DatabaseFactory, tmp_path: Path
) -> None:
    piket("backup", str(tmp_path / "b"), "--receiver", "beheer", "--purpose", "herstel")
    other_keys = tmp_path / "other.json"
    KeyRing.generate().write(other_keys)
    target = databases.url()
    piket("db", "upgrade", PIKET_DATABASE_URL=target)
    refused = piket(
        "restore", str(tmp_path / "b"), expect=1, PIKET_DATABASE_URL=target, PIKET_KEYS_FILE=str(other_keys)
    )
    assert "restore refused" in refused.output and "not in the key ring" in refused.output
    assert "not empty" in piket("restore", str(tmp_path / "b"), expect=1).output


def test_restore_with_the_right_data_key_and_a_wrong_mac_key_is_refused_before_writing(
    demo: Result, piket: Piket, env: dict[str, str], databases: DatabaseFactory, tmp_path: Path
) -> None:
    piket("backup", str(tmp_path / "b"), *SHARED)
    right = KeyRing.from_file(Path(env["PIKET_KEYS_FILE"]))
    wrong_mac = tmp_path / "wrong-mac.json"
    KeyRing(right.keys, right.active_id, KeyRing.generate().mac_key).write(wrong_mac)
    target = databases.url()
    piket("db", "upgrade", PIKET_DATABASE_URL=target)
    refused = piket(
        "restore", str(tmp_path / "b"), expect=1, PIKET_DATABASE_URL=target, PIKET_KEYS_FILE=str(wrong_mac)
    )
    assert "restore refused" in refused.output and "another MAC key" in refused.output
    database = Database(target)
    counts = {name: count for name, (count, _) in table_digests(database).items() if count}
    database.dispose()
    assert counts == {}, "nothing was written"
    assert "the content matches" in piket("restore", str(tmp_path / "b"), PIKET_DATABASE_URL=target).output


def mode(path: Path) -> str:
    return oct(path.stat().st_mode & 0o777)


def test_database_files_key_ring_and_backups_are_readable_by_their_owner_only(
    piket: Piket, env: dict[str, str], backend: str, tmp_path: Path
) -> None:
    umask = os.umask(0o022)  # what a service account usually has: new files readable by all
    try:
        piket("db", "upgrade")
        piket("demo")
        piket("keys", "add")
        piket("backup", str(tmp_path / "b"), *SHARED)
    finally:
        os.umask(umask)
    files = [Path(env["PIKET_KEYS_FILE"]), tmp_path / "b"]
    if backend == "sqlite":
        database = Path(env["PIKET_DATABASE_URL"].removeprefix("sqlite:///"))
        files += [database, *database.parent.glob(database.name + "-*")]
        assert len(files) >= 4, "the WAL is there"
    assert {str(path.name): mode(path) for path in files} == {str(path.name): "0o600" for path in files}


def test_keys_remove_names_the_backups_that_still_need_the_key(
    demo: Result, piket: Piket, env: dict[str, str], tmp_path: Path
) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    old = KeyRing.from_file(Path(env["PIKET_KEYS_FILE"])).active_id
    piket("backup", str(backups / "1-before-add.backup"), *SHARED)
    piket("keys", "add")
    # sealed with the new key, values the old:
    piket("backup", str(backups / "2-before-rotate.backup"), *SHARED)
    piket("keys", "rotate")
    piket("backup", str(backups / "3-after-rotate.backup"), *SHARED)
    (backups / "notes.txt").write_text("not a backup")
    refused = piket("keys", "remove", old, expect=1, PIKET_BACKUP_DIR=str(backups))
    assert (
        f"2 backups in {backups} need key {old} to be restored: 1-before-add.backup, "
        "2-before-rotate.backup" in refused.output
    )
    assert old in KeyRing.from_file(Path(env["PIKET_KEYS_FILE"])).keys
    removed = piket("keys", "remove", old, "--despite-backups", PIKET_BACKUP_DIR=str(backups))
    assert f"removed key {old}" in removed.output
    assert "need key" not in piket("keys", "remove", "kxxxx", expect=2, PIKET_BACKUP_DIR=str(backups)).output


def test_a_backup_without_the_mac_key_check_is_restored_only_if_its_audit_chain_verifies(
    demo: Result, env: dict[str, str], databases: DatabaseFactory, tmp_path: Path
) -> None:
    from backend import migrate
    from backend.services import backup
    from secure_store.stream import write_sealed

    right = KeyRing.from_file(Path(env["PIKET_KEYS_FILE"]))
    source = Database(env["PIKET_DATABASE_URL"])
    old_style = {
        "format": backup.FORMAT,
        "revision": migrate.current_revision(source.engine) or "",
        "created_at": "2027-03-09T03:00:00+00:00",
    }  # as backups were written before the check
    with backup._snapshot(source) as connection, (tmp_path / "old").open("wb") as out:
        write_sealed(right, backup._lines(connection), out, old_style)
    source.dispose()
    target = Database(databases.url())
    migrate.upgrade(target.engine)
    wrong_mac = KeyRing(right.keys, right.active_id, KeyRing.generate().mac_key)
    with (tmp_path / "old").open("rb") as file_, pytest.raises(backup.BackupError, match="record 1"):
        backup.restore(target, wrong_mac, file_)
    assert {name: count for name, (count, _) in table_digests(target).items() if count} == {}
    with (tmp_path / "old").open("rb") as file_:
        assert sum(backup.restore(target, right, file_).values()) > 200
    target.dispose()


def test_a_configuration_error_stops_with_the_setting_named(piket: Piket) -> None:
    result = piket("db", "current", expect=2, PIKET_RETENTION_DAYS="-3")
    assert "configuration error: PIKET_RETENTION_DAYS" in result.output


def test_without_configured_keys_development_generates_a_key_file_and_warns(
    piket: Piket, env: dict[str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    del env["PIKET_KEYS_FILE"]
    piket("db", "upgrade")
    assert (tmp_path / "data" / "dev-keyring.json").exists()
    assert oct(os.stat(tmp_path / "data" / "dev-keyring.json").st_mode & 0o777) == "0o600"
    assert "DEVELOPMENT ONLY" in caplog.text


def test_the_privacy_register_names_every_sealed_field_with_its_retention(piket: Piket) -> None:
    from backend.services.privacy import sealed_columns

    dutch = piket("privacy", "register", PIKET_RETENTION_DAYS="45", PIKET_REASON_RETENTION_DAYS="500").output
    assert dutch.startswith("# Register van verwerkingen: piket")
    assert "45 dagen na beoordeling van het rapport" in dutch
    assert "de reden van een correctie wordt 500 dagen na invoer gewist" in dutch
    for table, fields in sealed_columns().items():
        assert f"`{table}`" in dutch
        assert all(f"`{name}`" in dutch for name, _ in fields)
    english = piket("privacy", "register", "--lang", "en").output
    assert "30 days after the report is reviewed" in english and "No personal data of sex workers" in english


def test_a_sealed_table_without_a_purpose_stops_the_privacy_register(
    piket: Piket, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backend.services import privacy

    monkeypatch.delitem(privacy.PURPOSES, "callouts")
    refused = piket("privacy", "register", expect=1)
    assert "sealed data without a purpose" in refused.output and "callouts" in refused.output


def test_profile_load_shows_the_differences_then_a_fresh_dump_loads_with_no_changes(
    piket: Piket, tmp_path: Path
) -> None:
    piket("db", "upgrade")
    dry = piket("profile", "load", str(PROFILES / "hilversum.toml"), "--dry-run").output
    assert "+ region\n" in dry and "+ municipality Hilversum" in dry and "(dry run: nothing applied)" in dry
    assert "there is no region yet" in piket("profile", "dump", expect=1).output
    loaded = piket("profile", "load", str(PROFILES / "hilversum.toml"))
    assert "changes applied" in loaded.output and "still to be confirmed by the team" in loaded.output
    dumped = tmp_path / "dumped.toml"
    dumped.write_text(piket("profile", "dump").output, encoding="utf-8")
    assert piket("profile", "load", str(dumped), "--dry-run").output.endswith("no changes\n")
    assert piket("profile", "load", str(dumped)).output.endswith("no changes\n")
    assert "audit log intact: 1 records" in piket("audit", "verify").output


def test_profile_load_refuses_a_bad_file_naming_the_key_and_line(piket: Piket, tmp_path: Path) -> None:
    piket("db", "upgrade")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        Path(str(PROFILES / "hilversum.toml"))
        .read_text(encoding="utf-8")
        .replace("pledged_hours = 228", "pledged_hours = 80"),
        encoding="utf-8",
    )
    result = piket("profile", "load", str(bad), expect=1)
    assert "bad.toml:" in result.output and "municipalities[0].pledged_hours" in result.output
    assert "at least 100 hours" in result.output
    assert "there is no region yet" in piket("profile", "dump", expect=1).output, "nothing was loaded"
