"""The roster API under load, against the trivial health endpoint of the same server, in the same run.

Starts `piket web` (waitress, 8 threads) on PostgreSQL with the demo loaded, then
drives it with wrk over loopback: first /livez (answers without touching anything:
the cost of the server and Flask alone), then /api/v1/roster (four weeks of
shifts with first names, as the coordinator's token). Prints requests per
second and the 99th percentile of each, and the roster's throughput as a share
of the health endpoint's (target at least 0.5).

Needs wrk (`apt-get install wrk`) and a PostgreSQL server.
Run: .venv/bin/python bench/web.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from backend.db import Database  # noqa: E402
from backend.models import Role  # noqa: E402
from backend.services import accounts  # noqa: E402
from bench.common import fresh_schema  # noqa: E402
from secure_store import KeyRing, use_keyring  # noqa: E402
from tests.faults.processes import free_port  # noqa: E402

SCHEMA = "piket_bench_web"
PIKET = str(ROOT / ".venv" / "bin" / "piket")


def wrk(url: str, seconds: int, headers: dict[str, str]) -> tuple[float, float]:
    """Requests per second and the 99th percentile in milliseconds."""
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url]
    for name, value in headers.items():
        command[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} failed requests\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return rate, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk: apt-get install wrk")
    keyring = KeyRing.generate()
    use_keyring(keyring)
    url = fresh_schema(args.url, SCHEMA)
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        env = {
            **os.environ,
            "PIKET_DATABASE_URL": url,
            "PIKET_KEYS": keyring.to_json(),
            "PIKET_SECRET_KEY": "bench",
            "PIKET_DATA_DIR": data,
            "PIKET_PORT": str(port),
            "PIKET_LOG_LEVEL": "ERROR",
        }
        subprocess.run([PIKET, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([PIKET, "demo"], env=env, check=True, capture_output=True)
        with Database(url).transaction() as session:
            _, token = accounts.create_api_token(
                session, datetime.now(UTC), "bench", "bench", Role.COORDINATOR
            )
        server = subprocess.Popen([PIKET, "web"], env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base)
            today = datetime.now(UTC).date()
            roster = f"{base}/api/v1/roster?start={today}&end={today + timedelta(days=28)}"
            auth = {"Authorization": f"Bearer {token}"}
            asked = urllib.request.Request(roster, headers=auth)
            shifts = json.load(urllib.request.urlopen(asked))["total"]
            health_rate, health_p99 = wrk(f"{base}/livez", args.seconds, {})
            checked_rate, checked_p99 = wrk(f"{base}/healthz", args.seconds, {})
            roster_rate, roster_p99 = wrk(roster, args.seconds, auth)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"livez   {health_rate:8.0f} req/s   p99 {health_p99:6.1f} ms")
    print(f"healthz {checked_rate:8.0f} req/s   p99 {checked_p99:6.1f} ms   (one query: the schema version)")
    print(f"roster  {roster_rate:8.0f} req/s   p99 {roster_p99:6.1f} ms   ({shifts} shifts a request)")
    print(f"roster / livez throughput: {roster_rate / health_rate:.2f} (target at least 0.5)")
    print(f"roster / healthz throughput: {roster_rate / checked_rate:.2f}")


def wait_until_up(base: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not come up")


if __name__ == "__main__":
    main()
