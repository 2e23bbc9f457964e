"""Cost of sealed columns against plain text, measured in the same run.

1. Round trip of 10,000 typical values (write, then read back) through
   EncryptedText versus plain Text, through SQLAlchemy on SQLite.
2. Listing 1,000 inspectors with decrypted names through the real `Inspector`
   model versus a mirror of the same table whose sealed columns are plain text
   (the other sealed fields are deferred on both sides, as in the model):
   target at most 1.5x.

Run: .venv/bin/python bench/crypto.py [--url sqlite:///path | postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Column, Integer, Table, Text, insert, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, deferred, mapped_column, registry

from backend import migrate
from backend.db import make_engine
from backend.models import Gender, Inspector
from secure_store import KeyRing, use_keyring
from secure_store.types import EncryptedText, bind_sealed_values_to_rows


class Base(DeclarativeBase):
    pass


bind_sealed_values_to_rows(Base)


class PlainPerson(Base):
    __tablename__ = "bench_plain"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    first_name: Mapped[str] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(Text)


class SealedPerson(Base):
    __tablename__ = "bench_sealed"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(EncryptedText("bench.name"))
    first_name: Mapped[str] = mapped_column(EncryptedText("bench.first_name"))
    phone: Mapped[str] = mapped_column(EncryptedText("bench.phone"))


class PlainInspector:
    """The inspectors table with every sealed column as plain text."""


_mirror = registry()
_mirror_table = Table(
    "bench_plain_inspectors",
    _mirror.metadata,
    *[
        Column(c.name, Text() if isinstance(c.type, EncryptedText) else c.type, primary_key=c.primary_key)
        for c in Inspector.__table__.columns
    ],
)
# Deferred exactly like the model, so both sides load the same columns.
_mirror.map_imperatively(
    PlainInspector,
    _mirror_table,
    properties={
        name: deferred(_mirror_table.c[name], raiseload=True)
        for name in ("first_name", "phone", "telegram_id")
    },
)


def inspector_rows(count: int) -> list[dict[str, object]]:
    now = datetime(2027, 1, 4, tzinfo=UTC)
    return [
        {
            "name": f"Sytske Haisma-{i}",
            "first_name": "Sytske",
            "phone": f"+31 6 {i:08d}",
            "telegram_id": str(5_000_000 + i),
            "telegram_index": f"{i:064x}",
            "employer_id": 1,
            "salary_scale": 7,
            "salary_step": 11,
            "trained_since": None,
            "gender": Gender.FEMALE,
            "is_coordinator": False,
            "is_active": True,
            "language": "nl",
            "revoked_at": None,
            "created_at": now,
        }
        for i in range(count)
    ]


def people(count: int) -> list[dict[str, str]]:
    return [
        {"name": f"Sytske Haisma-{i}", "first_name": "Sytske", "phone": f"+31 6 {i:08d}"}
        for i in range(count)
    ]


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def round_trip(engine, model, rows) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        session.query(model).delete()
        session.add_all(model(**row) for row in rows)
    with Session(engine) as session:
        assert sum(len(p.name) for p in session.scalars(select(model))) > 0


def listing(engine, model) -> None:  # type: ignore[no-untyped-def]
    """What the roster page shows: name, employer, trained, active."""
    with Session(engine) as session:
        rows = [
            (p.name, p.employer_id, p.trained_since, p.is_active)
            for p in session.scalars(select(model).limit(1000))
        ]
        assert len(rows) == 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    use_keyring(KeyRing.generate())
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(args.url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        values = people(10_000 // 3 + 1)  # three sealed values a row: about 10,000 values
        plain = median_seconds(lambda: round_trip(engine, PlainPerson, values), 5)
        sealed = median_seconds(lambda: round_trip(engine, SealedPerson, values), 5)
        print(
            f"round trip of {len(values) * 3} values: plain {plain * 1000:.1f} ms, "
            f"sealed {sealed * 1000:.1f} ms, ratio {sealed / plain:.2f}x"
        )
        migrate.upgrade(engine)
        _mirror.metadata.create_all(engine)
        with Session(engine) as session, session.begin():
            session.execute(
                text("INSERT INTO regions (id, name, timezone) VALUES (1, 'bench', 'Europe/Amsterdam')")
            )
            session.execute(
                text(
                    "INSERT INTO municipalities (id, region_id, name, population, "
                    "population_date, is_participating, is_coordinating, contribution, "
                    "pledged_minutes) VALUES (1, 1, 'Leeuwarden', 129973, '2025-01-01', "
                    "true, true, 'hours', 0)"
                )
            )
            session.add_all(Inspector(**row) for row in inspector_rows(1000))
            session.execute(insert(PlainInspector), inspector_rows(1000))
        plain = median_seconds(lambda: listing(engine, PlainInspector), 30)
        sealed = median_seconds(lambda: listing(engine, Inspector), 30)
        verdict = "meets" if sealed / plain <= 1.5 else "MISSES"
        print(
            f"listing 1,000 inspectors (names decrypted): plain {plain * 1000:.2f} ms, "
            f"sealed {sealed * 1000:.2f} ms, ratio {sealed / plain:.2f}x ({verdict} the 1.5x target)"
        )
        Base.metadata.drop_all(engine)
        _mirror.metadata.drop_all(engine)
        migrate.downgrade(engine, "base")
        engine.dispose()


if __name__ == "__main__":
    main()
