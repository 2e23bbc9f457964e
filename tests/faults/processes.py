"""`piket serve` as real processes for the fault tests and the load bench: start, kill, restart."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from tests.faults.standin import TOKEN
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
BOT_PROCESSES_ONCE = (
    "the bot's processes start, crash and stop alike on either database (the crash, instance, backup "
    "and rotation tests run their bot processes on both)"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def interruptible() -> None:
    """Run in the child before exec: SIGINT stops it, as Ctrl-C does, even when the tests were
    started in the background (a script's `cmd &`, nohup), which ignores SIGINT for the test run
    and, through exec, for every process it starts. The tests' SIGINT then did nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def serve_env(
    database_url: str, keys_file: Path, data_dir: Path, telegram_api_url: str, **settings: str
) -> dict[str, str]:
    """The environment of a production-like process: its own database, keys and Telegram."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIKET_")}
    return env | {
        "PIKET_DATABASE_URL": database_url,
        "PIKET_KEYS_FILE": str(keys_file),
        "PIKET_DATA_DIR": str(data_dir),
        "PIKET_TELEGRAM_TOKEN": TOKEN,
        "PIKET_TELEGRAM_API_URL": telegram_api_url,
        "PIKET_LOG_LEVEL": "INFO",
        **{f"PIKET_{name.upper()}": value for name, value in settings.items()},
    }


def piket(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "piket", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=ROOT,
    )


@dataclass
class Instance:
    """One `piket serve`; its output goes to a file the test can read while it runs."""

    env: dict[str, str]
    log_path: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    fixed_port: int | None = None
    """Keep this port across restarts (a webhook's URL names it)."""

    @classmethod
    def start(cls, env: dict[str, str], log_path: Path, port: int | None = None) -> Instance:
        instance = cls(env, log_path, fixed_port=port)
        instance.restart()
        return instance

    def restart(self) -> None:
        self.port = self.fixed_port or free_port()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "piket", "serve"],
                env={**self.env, "PIKET_PORT": str(self.port)},
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                preexec_fn=interruptible,
            )
        self.wait_until(lambda: self.get("/livez")[0] == 200, 60, "the web server to answer")

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine loses power or the OOM killer strikes."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.alive:
            assert self.process is not None
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def leads(self) -> bool:
        return "bot started on this instance" in self.log()

    def get(self, path: str, token: str | None = None) -> tuple[int, Any]:
        return self.request("GET", path, token=token)

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None
    ) -> tuple[int, Any]:
        """(status, parsed JSON or text); (0, reason) when nothing answers."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our own http URL)
                return response.status, _parsed(response.read(), response.headers.get_content_type())
        except urllib.error.HTTPError as error:
            return error.code, _parsed(error.read(), error.headers.get_content_type())
        except OSError as error:
            return 0, str(error)

    def wait_until(
        self,
        condition: Callable[[], object],
        timeout: float,
        what: str,
        state: Callable[[], str] | None = None,
    ) -> float:
        """Seconds it took; fails with `state` and the process's log when it exits or time runs out."""

        def held() -> object:
            if condition():
                return True
            if not self.alive:
                raise AssertionError(f"piket serve exited while waiting for {what}:\n{self.log()[-3000:]}")
            return False

        def instead() -> str:
            return "\n".join(filter(None, [repr(condition), state() if state else "", self.log()[-3000:]]))

        return wait_until(held, timeout, what, instead, interval=0.1)


def log_in(port: int, username: str, password: str, code: str) -> tuple[int, str]:
    """A browser: the login form, then sending it (which needs the database); the status and page."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with browser.open(f"http://127.0.0.1:{port}/login", timeout=10) as response:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode())
    assert csrf, "the login page has its form"
    form = urllib.parse.urlencode(
        {"csrf_token": csrf[1], "username": username, "password": password, "code": code}
    ).encode()
    try:
        with browser.open(f"http://127.0.0.1:{port}/login", data=form, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _parsed(body: bytes, content_type: str) -> Any:
    return json.loads(body) if content_type == "application/json" and body else body.decode(errors="replace")


STARTED = re.compile(r"bot process (\d+) started")


def bot_pids(instance: Instance) -> list[int]:
    return [int(pid) for pid in STARTED.findall(instance.log())]


def is_running(pid: int) -> bool:
    """Alive and not a zombie (a zombie is dead, only not yet reaped by its parent)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def descendants_of(pid: int) -> list[int]:
    """Its children, theirs, and so on (the bot's processes are forked by a fork server of its own)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *descendants_of(int(child))]
    return found


def started_bot(instance: Instance) -> int:
    instance.wait_until(lambda: bot_pids(instance), 60, "the bot process to start")
    return bot_pids(instance)[-1]
