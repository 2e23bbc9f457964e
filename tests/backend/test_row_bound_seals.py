"""A sealed value opens only in its own column and its own row: a ciphertext swapped between two
inspectors, or copied into another column, fails loudly instead of showing someone else's data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, insert, inspect, select, text, update
from sqlalchemy.orm import Session, aliased, undefer

from backend import migrate
from backend.db import Database
from backend.models import Designation, Gender, Inspector, Municipality, OutboxMessage
from backend.rawdata import encrypted_columns, raw_tables
from backend.services import keys
from secure_store import DecryptionError, KeyRing, use_keyring
from secure_store.keyring import PREFIX
from secure_store.types import UnboundWrite
from tests.factories import NOW, designate, inspector, region
from tests.support.sealed import fill_every_sealed_column, opened, sealed_columns, swap
from tests.support.statements import statements

BEFORE_ROW_BINDING = "0016_disclosures"


def two_inspectors(session: Session) -> tuple[Inspector, Inspector]:
    _, home = region(session)
    anne, sjoerd = inspector(session, home, "Anne de Vries"), inspector(session, home, "Sjoerd Dijkstra")
    anne.phone, sjoerd.phone = "06 11111111", "06 22222222"
    session.flush()
    session.expire_all()
    return anne, sjoerd


def phones(session: Session) -> dict[str, str | None]:
    return {i.name: i.phone for i in session.scalars(select(Inspector).options(undefer(Inspector.phone)))}


def test_the_values_open_in_their_own_rows(session: Session) -> None:
    two_inspectors(session)
    assert phones(session) == {"Anne de Vries": "06 11111111", "Sjoerd Dijkstra": "06 22222222"}
    joined = aliased(Inspector)
    assert set(session.scalars(select(joined.name))) == {"Anne de Vries", "Sjoerd Dijkstra"}
    limited = select(Inspector).order_by(Inspector.id).limit(1).subquery()
    assert session.scalars(select(limited.c.name)).one() == "Anne de Vries"


def test_several_new_rows_in_one_flush_each_get_their_own_id_and_value(session: Session) -> None:
    _, home = region(session)
    made = [
        Inspector(
            name=f"Inspecteur {n}",
            first_name="I",
            employer_id=home.id,
            salary_scale=7,
            salary_step=1,
            gender=Gender.OTHER,
            created_at=NOW,
        )
        for n in range(5)
    ]
    session.add_all(made)
    session.flush()
    assert len({m.id for m in made}) == 5
    session.expire_all()
    assert [session.get(Inspector, m.id).name for m in made] == [f"Inspecteur {n}" for n in range(5)]


def test_swapped_phone_numbers_of_two_inspectors_do_not_open(session: Session) -> None:
    anne, sjoerd = two_inspectors(session)
    swap(session, "phone", anne.id, sjoerd.id)
    with pytest.raises(DecryptionError, match=rf"inspectors\.phone of row ({anne.id}|{sjoerd.id})"):
        phones(session)


def test_swapped_names_of_two_inspectors_do_not_open(session: Session) -> None:
    anne, sjoerd = two_inspectors(session)
    swap(session, "name", anne.id, sjoerd.id)
    with pytest.raises(DecryptionError, match=r"inspectors\.name of row") as refused:
        session.scalars(select(Inspector.name)).all()
    assert "Anne" not in str(refused.value) and "Sjoerd" not in str(refused.value)


def test_a_value_moved_to_another_column_of_its_row_does_not_open(session: Session) -> None:
    anne, _ = two_inspectors(session)
    session.execute(text("UPDATE inspectors SET first_name = phone WHERE id = :id"), {"id": anne.id})
    session.expire_all()
    with pytest.raises(DecryptionError, match=r"inspectors\.first_name"):
        session.scalars(select(Inspector.first_name).where(Inspector.id == anne.id)).one()


def test_a_column_bound_value_from_before_put_back_does_not_open(session: Session, keyring: KeyRing) -> None:
    anne, _ = two_inspectors(session)
    old = keyring.encrypt("06 99999999", "inspectors.phone")  # as sealed before migration 0017
    session.execute(text("UPDATE inspectors SET phone = :v WHERE id = :id"), {"v": old, "id": anne.id})
    session.expire_all()
    with pytest.raises(DecryptionError, match="not to its row"):
        phones(session)


def test_a_value_written_by_a_bulk_statement_is_refused_without_showing_it(session: Session) -> None:
    anne, _ = two_inspectors(session)
    with pytest.raises(Exception) as refused:  # SQLAlchemy wraps it in a StatementError
        session.execute(update(Inspector).where(Inspector.id == anne.id).values(phone="06 33333333"))
    assert isinstance(refused.value.orig, UnboundWrite)  # type: ignore[attr-defined]
    assert "33333333" not in str(refused.value)


def test_an_object_updated_through_the_orm_is_sealed_for_its_row(session: Session) -> None:
    anne, _ = two_inspectors(session)
    designate(session, anne, session.scalars(select(Municipality)).one())
    reference = session.scalars(select(Designation).where(Designation.inspector_id == anne.id)).one()
    reference.decision_reference = "Besluit 2027/15"
    anne.phone = "06 44444444"
    session.flush()
    session.expire_all()
    assert phones(session)["Anne de Vries"] == "06 44444444"
    assert session.scalars(select(Designation.decision_reference)).one() == "Besluit 2027/15"


# -- the key tools see a swap too, and rotation keeps every value bound to its row ----------------------


@pytest.fixture
def filled(migrated_copy: Database) -> Iterator[tuple[Database, dict[str, str]]]:
    yield migrated_copy, fill_every_sealed_column(migrated_copy)


def test_keys_verify_names_both_rows_of_a_swap(
    filled: tuple[Database, dict[str, str]], keyring: KeyRing
) -> None:
    database, _ = filled
    with database.transaction() as session:
        other = inspector(session, session.scalars(select(Municipality)).one(), "Anne de Vries")
        other.phone = "06 11111111"
    with database.transaction() as session:
        swap(session, "phone", 1, other.id)
    report = keys.verify(database, keyring)
    assert sorted(f.split(":")[0] for f in report.failures) == [
        "inspectors.phone id=1",
        f"inspectors.phone id={other.id}",
    ]


def test_the_key_count_finds_what_verify_opens_reading_each_table_once(
    filled: tuple[Database, dict[str, str]], keyring: KeyRing
) -> None:
    """The admin's key page counts in SQL what `verify` opens one by one, a stranger's value too; it
    reads each table once however many sealed columns it has (inspectors has four), and a table with a
    value no key of the ring seals once more, to name the key that value names."""
    database, _ = filled
    stranger = KeyRing.generate()
    with database.transaction() as session:
        session.execute(
            update(raw_tables()["inspectors"]).values(phone=stranger.encrypt("x", "inspectors.phone", "1"))
        )
    opened_one_by_one = keys.verify(database, keyring)
    with database.reading() as session, statements(session) as seen:
        counted = keys.count_by_key(session, keyring)
    assert counted.by_key == opened_one_by_one.by_key and counted.failed == opened_one_by_one.failed == 1
    assert counted.failures == [
        f"inspectors.phone: 1 not sealed by a key in the ring ({PREFIX}:{stranger.active_id})"
    ]
    assert len([s for s in seen if s.startswith("SELECT")]) == len(encrypted_columns()) + 1


def test_the_key_count_shows_nothing_of_a_value_that_is_not_sealed(
    filled: tuple[Database, dict[str, str]], keyring: KeyRing
) -> None:
    """A value written around the key ring may be plain text: the key page counts it, and shows none
    of it (it showed its first characters as the 'key')."""
    database, _ = filled
    with database.transaction() as session:
        session.execute(update(raw_tables()["inspectors"]).values(phone="0612345678"))
    with database.reading() as session:
        counted = keys.count_by_key(session, keyring)
    assert counted.failed >= 1
    assert counted.failures == [f"inspectors.phone: {counted.failed} not sealed"]
    assert not any(digits in "".join(counted.failures) for digits in ("061", "0612", "12345"))


def test_the_key_count_counts_a_value_that_names_a_ring_key_but_is_cut_short_as_a_failure(
    filled: tuple[Database, dict[str, str]], keyring: KeyRing
) -> None:
    """A value that stops after the ring's key id holds no ciphertext: it is no value of that key's,
    and every value is counted once, under its key or as a failure."""
    database, _ = filled
    opened_one_by_one = keys.verify(database, keyring)
    with database.transaction() as session:
        session.execute(update(raw_tables()["inspectors"]).values(phone=f"{PREFIX}:{keyring.active_id}"))
    with database.reading() as session:
        counted = keys.count_by_key(session, keyring)
    assert counted.failed >= 1
    assert sum(counted.by_key.values()) + counted.failed == sum(opened_one_by_one.by_key.values())
    (failure,) = counted.failures
    assert failure.startswith(f"inspectors.phone: {counted.failed} not sealed by a key in the ring")


def test_the_key_count_reads_only_the_hour_entries_that_carry_a_reason(migrated_copy: Database) -> None:
    """Next to no entry has a reason (a correction's), so the count goes through the partial index of
    those that do, not through years of entries (asked of PostgreSQL with table scans priced out, as
    on a small table it would rather scan)."""
    with migrated_copy.reading() as session, statements(session) as seen:
        keys.count_by_key(session, KeyRing.generate())
    (counting,) = [i for i, s in enumerate(seen) if "FROM hour_entries" in s]
    with migrated_copy.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            explain = "EXPLAIN"
        else:
            explain = "EXPLAIN QUERY PLAN"
        plan = connection.exec_driver_sql(f"{explain} {seen[counting]}", seen.parameters[counting]).all()
    assert "ix_hour_entries_with_reason" in str(plan)


def test_rotation_re_seals_every_value_for_its_own_row(
    filled: tuple[Database, dict[str, str]], keyring: KeyRing
) -> None:
    database, values = filled
    count = sum(len(rows) for rows in stored_values(database.engine).values())
    newer = keyring.with_new_active_key()
    use_keyring(newer)
    assert keys.rotate(database, newer, batch_size=2) == count
    report = keys.verify(database, newer)
    assert report.is_healthy and dict(report.by_key) == {newer.active_id: count}
    assert keys.rotate(database, newer) == 0
    use_keyring(newer.without_key(keyring.active_id))
    opened(database, values)


# -- the migration ---------------------------------------------------------------------------------------


def stored_values(engine: Engine) -> dict[str, list[tuple[int, str]]]:
    """Every sealed column's stored values with their row ids (of the tables there are at the database's
    revision: a downgrade below 0017 also drops the safety tables of 0018)."""
    found: dict[str, list[tuple[int, str]]] = {}
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        for column in sorted(c for c in sealed_columns() if c.split(".")[0] in tables):
            table, name = column.split(".")
            # Names come from the model's metadata, never from input.
            rows = connection.execute(
                text(
                    f"SELECT id, {name} FROM {table} WHERE {name} IS NOT NULL "  # noqa: S608
                    "ORDER BY id"
                )
            ).all()
            found[column] = [(row_id, value) for row_id, value in rows]
    return found


def test_the_migration_binds_every_value_to_its_row_and_the_downgrade_undoes_it(
    fresh_database: Database, keyring: KeyRing
) -> None:
    engine = fresh_database.engine
    migrate.upgrade(engine)
    values = fill_every_sealed_column(fresh_database)
    migrate.downgrade(engine, BEFORE_ROW_BINDING)
    column_bound = stored_values(engine)
    assert all(rows for rows in column_bound.values()), "every sealed column holds a value"
    for column, rows in column_bound.items():
        for _, value in rows:
            assert value.startswith("pk1:") and keyring.decrypt(value, column)
    assert values["inspectors.phone"] in [
        keyring.decrypt(v, "inspectors.phone") for _, v in column_bound["inspectors.phone"]
    ]
    migrate.upgrade(engine)
    for column, rows in stored_values(engine).items():
        for row_id, value in rows:
            assert value.startswith("pk2:") and keyring.decrypt(value, column, str(row_id))
    opened(fresh_database, values)


def test_the_migration_works_through_more_rows_than_one_batch(
    fresh_database: Database, keyring: KeyRing
) -> None:
    engine = fresh_database.engine
    migrate.upgrade(engine, BEFORE_ROW_BINDING)
    rows = [
        {
            "id": n,
            "chat_id": keyring.encrypt(str(n), "outbox_messages.chat_id"),
            "method": "sendMessage",
            "payload": keyring.encrypt(f'{{"n": {n}}}', "outbox_messages.payload"),
            "status": "sent",
            "attempts": 1,
            "not_before_at": NOW.replace(tzinfo=None),
            "created_at": NOW.replace(tzinfo=None),
        }
        for n in range(1, 1206)
    ]
    with engine.begin() as connection:
        connection.execute(insert(raw_tables()["outbox_messages"]), rows)
    migrate.upgrade(engine)
    with Session(engine) as session:
        found = session.execute(select(OutboxMessage.id, OutboxMessage.chat_id)).all()
    assert sorted((row_id, int(chat)) for row_id, chat in found) == [(n, n) for n in range(1, 1206)]
