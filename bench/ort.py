"""ORT band minutes for 100,000 ledger entries: time per entry, against a minute-by-minute baseline.

The entries are a year of realistic shifts (mostly 14:00-23:00 with an hour's
break, some call-outs into the night, a few early mornings), spread over every
day of 2027 so that weekends, holidays and both daylight-saving nights occur.
The baseline classifies every worked minute on its own (tests/scheduling/
ort_oracle.py); it runs on a sample, and the two must agree on every entry.

Run: .venv/bin/python bench/ort.py [--entries 100000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduling.ort import split_bands
from tests.profiles import TABLES as PROFILE_TABLES
from tests.scheduling.ort_oracle import oracle_bands

AMS = ZoneInfo("Europe/Amsterdam")
# The agreement after 2027 is not configured yet; the night from 31 December 2027 into
# 2028 is counted under the last table stretched by a week, so that every entry is valid.
TABLES = (*PROFILE_TABLES[:-1], replace(PROFILE_TABLES[-1], effective_until=date(2028, 1, 7)))
SHAPES = [((14, 0), 540, 60)] * 6 + [((18, 30), 420, 30), ((20, 0), 360, 0), ((6, 0), 480, 30)]


def entries(count: int, seed: int = 2027) -> list[tuple[datetime, datetime, int]]:
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        (hour, minute), length, pause = rng.choice(SHAPES)
        day = datetime(2027, 1, 1, hour, minute, tzinfo=AMS) + timedelta(days=rng.randrange(365))
        start = day.replace(tzinfo=AMS)
        made.append((start, start + timedelta(minutes=length), pause))
    return made


def _centred(start: datetime, end: datetime, pause: int) -> list[tuple[datetime, datetime]]:
    """The break where split_bands puts a break given only in minutes: around the middle."""
    if not pause:
        return []
    start, end = start.astimezone(UTC), end.astimezone(UTC)  # real minutes, as split_bands counts
    middle = start + timedelta(minutes=int((end - start).total_seconds()) // 120 - pause // 2)
    return [(middle, middle + timedelta(minutes=pause))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000)
    args = parser.parse_args()
    work = entries(args.entries)

    started = time.perf_counter()
    splits = [split_bands(start, end, pause, tables=TABLES) for start, end, pause in work]
    ours = (time.perf_counter() - started) / len(work)

    sample = work[: args.sample]
    sample_breaks = [_centred(start, end, pause) for start, end, pause in sample]
    started = time.perf_counter()
    reference = [
        oracle_bands(start, end, breaks)
        for (start, end, _), breaks in zip(sample, sample_breaks, strict=True)
    ]
    baseline = (time.perf_counter() - started) / len(sample)
    for (start, _, _), split, expected in zip(sample, splits, reference, strict=False):
        if dict(split.minutes) != expected:
            raise SystemExit(f"disagreement on the entry starting {start.isoformat()}")

    print(f"entries: {len(work):,}; baseline sample: {len(sample):,} (all agree)")
    print(f"split_bands: {ours * 1e6:.1f} us per entry ({ours * len(work):.2f} s in total)")
    print(f"minute-by-minute baseline: {baseline * 1e6:.1f} us per entry")
    print(f"ratio split_bands / baseline: {ours / baseline:.3f}")


if __name__ == "__main__":
    main()
