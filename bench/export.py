"""The ledger's CSV export of 1,000,000 entries (ten years of a national roll-out) against PostgreSQL's
own `COPY ... TO STDOUT` of the same rows and columns, in the same run.

Fills a fresh schema with the demo team and a million hour entries (half approved),
then times COPY, then runs our export (`ledger_csv.ledger_lines`, as /finance/ledger.csv
streams it) in a child process, once over one year and once
over all ten, and reports each child's peak memory: if it streams, the two peaks are
about the same. Target: at most 3x COPY's time.

Run: .venv/bin/python bench/export.py [--url postgresql+psycopg://...] [--rows 1000000] [--compare ../main]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from backend import migrate  # noqa: E402
from backend.db import Database, make_engine  # noqa: E402
from backend.services import exports, ledger_csv  # noqa: E402
from backend.services.demo import load_demo  # noqa: E402
from bench.common import fresh_schema, schema_url  # noqa: E402
from secure_store import KeyRing, use_keyring  # noqa: E402

SCHEMA = "piket_bench_export"
FIRST_DAY, LAST_DAY = date(2017, 1, 1), date(2026, 12, 31)
TARGET = 3.0
"""Our export's time at most this many times COPY's of the same joined rows."""
FLAT_MEMORY = 1.2
"""Ten years' peak memory at most this many times one year's: the export streams."""

FILL = """
INSERT INTO hour_entries (inspector_id, municipality_id, category, starts_at, ends_at, break_minutes,
    worked_minutes, plain_minutes, weekday_20_minutes, weekday_40_minutes, saturday_minutes,
    sunday_holiday_minutes, entered_by, entered_at)
SELECT i.ids[1 + g % array_length(i.ids, 1)], m.ids[1 + g % array_length(m.ids, 1)], 'control',
       TIMESTAMP '2017-01-01 13:00' + g * INTERVAL '5 minutes',
       TIMESTAMP '2017-01-01 22:00' + g * INTERVAL '5 minutes', 60, 480, 240, 180, 60, 0, 0, 'bench', now()
FROM generate_series(0, :rows - 1) AS g,
     (SELECT array_agg(id ORDER BY id) AS ids FROM inspectors) AS i,
     (SELECT array_agg(id ORDER BY id) AS ids FROM municipalities) AS m
"""
APPROVE = """INSERT INTO hour_approvals (entry_id, approved_by, approved_at)
             SELECT id, 'bench', now() FROM hour_entries WHERE id % 2 = 0"""
COPY = """COPY (SELECT e.id, e.starts_at, e.ends_at, e.inspector_id, i.name, i.employer_id,
    e.municipality_id, e.category, e.break_minutes, e.worked_minutes, e.plain_minutes,
    e.weekday_20_minutes, e.weekday_40_minutes, e.saturday_minutes, e.sunday_holiday_minutes, a.id,
    e.reverses_id, e.reason, e.booked_at
    FROM hour_entries e JOIN inspectors i ON i.id = e.inspector_id
    LEFT JOIN hour_approvals a ON a.entry_id = e.id ORDER BY COALESCE(e.booked_at, e.starts_at), e.id)
    TO STDOUT (FORMAT csv, DELIMITER ';', HEADER)"""


def fill(url: str, rows: int, keyring: KeyRing) -> None:
    database = Database(fresh_schema(url, SCHEMA))
    migrate.upgrade(database.engine)
    with database.transaction() as session:
        load_demo(session, datetime.now(UTC))
        session.execute(text(FILL), {"rows": rows})
        session.execute(text(APPROVE))
    with database.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    database.dispose()


def copy_seconds(url: str) -> tuple[float, int]:
    engine = make_engine(schema_url(url, SCHEMA))
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        started, size = time.perf_counter(), 0
        with cursor.copy(COPY) as copy:
            for block in copy:
                size += len(block)
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, size


def child(url: str, last_day: date) -> None:
    """Our export, as the web streams it; prints seconds, bytes, lines and peak memory (MB)."""
    started, size, lines = time.perf_counter(), 0, 0
    with Database(schema_url(url, SCHEMA)).reading() as session:
        wanted = exports.LedgerFilter(FIRST_DAY, last_day)
        for chunk in ledger_csv.ledger_lines(session, wanted, "bench"):
            size += len(chunk.encode("utf-8"))
            lines += chunk.count("\r\n")
    elapsed = time.perf_counter() - started
    print(elapsed, size, lines, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run_child(url: str, last_day: date, keyring: KeyRing, code: Path = ROOT) -> tuple[float, int, int, float]:
    """The export in a child process, with the code of the checkout at `code` (this one by default)."""
    out = subprocess.run(
        [sys.executable, str(code / "bench" / "export.py"), "--child", last_day.isoformat(), "--url", url],
        input=keyring.to_json(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    seconds, size, lines, peak = out.split()
    return float(seconds), int(size), int(lines), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child")
    parser.add_argument(
        "--compare",
        type=Path,
        help="another checkout (say a worktree of main) whose "
        "export is timed on the same rows in the same run, for a before and after",
    )
    args = parser.parse_args()
    if args.child:
        use_keyring(KeyRing.from_json(sys.stdin.read()))
        child(args.url, date.fromisoformat(args.child))
        return
    keyring = KeyRing.generate()
    use_keyring(keyring)
    started = time.perf_counter()
    fill(args.url, args.rows, keyring)
    print(f"filled {args.rows:,} entries in {time.perf_counter() - started:.1f} s")
    copy_time, copy_size = copy_seconds(args.url)
    one_year = run_child(args.url, date(2017, 12, 31), keyring)
    ours = run_child(args.url, LAST_DAY, keyring)
    print(f"COPY TO STDOUT   {copy_time:6.2f} s  {copy_size / 1e6:7.1f} MB")
    print(
        f"piket CSV        {ours[0]:6.2f} s  {ours[1] / 1e6:7.1f} MB  {ours[2] - 3:,} entry lines"
        f"  peak memory {ours[3]:.0f} MB"
    )
    print(
        f"  one year only  {one_year[0]:6.2f} s  {one_year[1] / 1e6:7.1f} MB"
        f"  peak memory {one_year[3]:.0f} MB"
    )
    if args.compare:
        theirs = run_child(args.url, LAST_DAY, keyring, args.compare)
        print(
            f"{str(args.compare)[-16:]:16} {theirs[0]:6.2f} s  {theirs[1] / 1e6:7.1f} MB  "
            f"peak memory {theirs[3]:.0f} MB;  its / COPY: {theirs[0] / copy_time:.2f}"
        )
    ratio, memory = ours[0] / copy_time, ours[3] / one_year[3]
    print(f"piket / COPY: {ratio:.2f} (target at most {TARGET:g}): {met(ratio <= TARGET)}")
    print(
        f"peak memory ten years / one year: {memory:.2f} (target at most {FLAT_MEMORY:g}, flat):"
        f" {met(memory <= FLAT_MEMORY)}"
    )
    print(f"load average {os.getloadavg()[0]:.2f}")


def met(is_met: bool) -> str:
    return "met" if is_met else "not met"


if __name__ == "__main__":
    main()
