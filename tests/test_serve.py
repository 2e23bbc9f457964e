"""`piket serve` as ./run.sh starts it: a real process answering on a real port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.faults.processes import free_port, interruptible
from tests.waiting import wait_until

pytestmark = pytest.mark.slow
STOP_SECONDS = 60
"""SIGINT to exit: the web closes, a sweep under way finishes, the leader lock is given up."""


def piket(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "piket", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def wait_for_health(port: int, process: subprocess.Popen[str]) -> dict[str, str]:
    health: dict[str, str] = {}

    def answered() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"piket serve exited: {process.communicate()[1]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                health.update(json.load(response))
        except OSError:
            return False
        return True

    wait_until(answered, 60, "piket serve to answer /healthz", interval=0.2)
    return health


def test_serve_answers_after_demo_and_says_why_the_bot_is_off(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIKET_")}
    env |= {"PIKET_DATA_DIR": str(tmp_path), "PIKET_PORT": str(port)}
    upgraded = piket("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "DEVELOPMENT ONLY: no PIKET_KEYS or PIKET_KEYS_FILE set" in upgraded.stderr
    loaded = piket("demo", env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert "DEVELOPMENT ONLY" not in loaded.stderr  # generated once, then reused
    process = subprocess.Popen(
        [sys.executable, "-m", "piket", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    try:
        assert wait_for_health(port, process) == {"status": "ok", "database": "reachable"}
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            raise AssertionError(
                f"piket serve did not stop within {STOP_SECONDS} s of SIGINT:\n{out}\n{err[-5000:]}"
            ) from None
    assert "bot: off (PIKET_TELEGRAM_TOKEN is not set)" in out


def test_run_sh_help_says_how_to_start_and_touches_no_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIKET_")} | {
        "PIKET_DATA_DIR": str(tmp_path)
    }
    for asked in (["--help"], ["demo", "-h"]):
        shown = subprocess.run(
            ["./run.sh", *asked],
            cwd=Path(__file__).parent.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert shown.returncode == 0, shown.stderr
        assert "Usage: piket serve [OPTIONS]" in shown.stdout
    assert list(tmp_path.iterdir()) == []
