"""Starting the long-running parts: the WSGI server and the scheduler runner."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import multiprocessing.process
import os
import secrets
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from waitress import serve as waitress_serve

from backend import jobs, logs
from backend.config import Settings
from backend.leader import leader_lock_for
from backend.services import instances
from backend.web import create_app
from piket.runtime import Runtime
from scheduling.clock import SystemClock
from scheduling.runner import Runner
from secure_store import reload_keyring

log = logging.getLogger("piket")


def run_scheduler(runtime: Runtime, on_leadership: Callable[[bool], None] | None = None) -> Runner:
    database = runtime.database
    jobs.bind(jobs.JobContext(database, runtime.clock, runtime.settings))
    lock = leader_lock_for(database.engine, database.url)
    runner = Runner(
        database.engine,
        lock,
        misfire_grace_seconds=runtime.settings.misfire_grace_seconds,
        poll_seconds=runtime.settings.leader_poll_seconds,
        on_leadership=on_leadership,
    )
    runner.start()
    jobs.register(runner)
    log.info("scheduler started (jobs are stored in the database)")
    return runner


class Heartbeat:
    """Every PIKET_HEARTBEAT_SECONDS: read the key file again and report this instance's keys (see
    backend.services.instances); the row goes when the instance stops."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._id = secrets.token_hex(8)
        self._started_at = runtime.clock.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="piket-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self.beat()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def beat(self) -> None:
        keyring = reload_keyring()
        with self._runtime.database.transaction() as session:
            instances.report(session, self._runtime.clock.now(), self._id, self._started_at, keyring)

    def _run(self) -> None:
        while not self._stop.wait(self._runtime.settings.heartbeat_seconds):
            try:
                self.beat()
            except Exception as error:  # a database outage or a key file being replaced: next beat
                log.warning("heartbeat failed (%s); retrying", type(error).__name__)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        with contextlib.suppress(Exception), self._runtime.database.transaction() as session:
            instances.leave(session, self._id)


def run_web(runtime: Runtime) -> None:
    settings = runtime.settings
    app = create_app(settings, runtime.database, runtime.clock)
    log.info("web and API on http://%s:%d", settings.host, settings.port)
    waitress_serve(app, **waitress_options(settings))


def waitress_options(settings: Settings) -> dict[str, Any]:
    """Waitress drops X-Forwarded-* unless told otherwise; behind PIKET_PROXY_HOPS proxies the app's
    ProxyFix reads them (client address for the throttle, https for HSTS and secure cookies)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "threads": 8,
        "ident": "piket",
        "_quiet": True,
        "clear_untrusted_proxy_headers": settings.proxy_hops == 0,
    }


def wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


class BotWhileLeading:
    """Runs the bot (polling or webhook, and the outbox sender) on the leading instance only.

    Telegram serves one poller per bot token, and one sender sends each queued
    message once; with several `piket serve` instances the leader does both, and
    another takes over when it dies. The runner calls this at every poll: True
    starts the bot (again, if its thread ended), False stops it because another
    instance leads. While the database is away nothing is called, so the bot
    stays up and tells inspectors to try again.

    With `own_process` (as `piket serve` runs it) the thread runs the bot in a
    child process (see `run_bot_process`): in one interpreter the web pages and
    the bot took turns at one lock, and under load the sender fell behind
    Telegram's pace while taps waited for pages.
    """

    def __init__(self, runtime: Runtime, own_process: bool = False) -> None:
        self._runtime = runtime
        self._own_process = own_process
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._guard = threading.Lock()

    def __call__(self, leading: bool) -> None:
        with self._guard:
            running = self._thread is not None and self._thread.is_alive()
            if leading and not running:
                if self._thread is not None:
                    log.warning("the bot had stopped; starting it again")
                self._stop = threading.Event()
                self._thread = threading.Thread(
                    target=self._run, args=(self._stop,), name="piket-bot", daemon=True
                )
                self._thread.start()
                log.info("bot started on this instance")
            elif not leading and running:
                log.info("another instance leads; stopping the bot here")
                self._halt()

    def stop(self) -> None:
        with self._guard:
            self._halt()

    def _run(self, stop: threading.Event) -> None:
        try:
            if self._own_process:
                run_bot_process(self._runtime.settings, stop)
            else:
                run_bot(self._runtime, stop)
        except Exception as error:  # e.g. Telegram unreachable at start; the next poll starts it again
            # Only the type: a library's message may carry the Bot API URL, and with it the token.
            log.error("the bot stopped (%s); starting it again at the next poll", type(error).__name__)

    def _halt(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
        self._thread = None


def run_bot(runtime: Runtime, stop_flag: threading.Event) -> None:
    """The bot's own event loop; it ends when `stop_flag` is set."""
    import asyncio

    from bot.app import build_application, run_polling, run_webhook

    settings = runtime.settings
    assert settings.telegram_token is not None
    application = build_application(
        settings.telegram_token.get_secret_value(), settings.telegram_api_url, runtime.database, runtime.clock
    )

    async def main() -> None:
        stop = asyncio.Event()

        async def watch() -> None:  # in the loop itself, so nothing outlives it when the bot ends early
            while not stop_flag.is_set():
                await asyncio.sleep(0.2)
            stop.set()

        watcher = asyncio.create_task(watch())
        try:
            if settings.webhook_url and settings.webhook_secret:
                await run_webhook(
                    application,
                    runtime.database,
                    runtime.clock,
                    stop,
                    settings.webhook_url,
                    settings.webhook_secret.get_secret_value(),
                    settings.host,
                    settings.port + 1,
                )
            else:
                await run_polling(application, runtime.database, runtime.clock, stop)
        finally:
            watcher.cancel()

    asyncio.run(main())


class BotProcessEnded(Exception):
    """The bot's process ended without being asked to (its exit code is logged)."""


def run_bot_process(settings: Settings, stop: threading.Event) -> None:
    """The bot in a child process of its own, until `stop` is set; it raises BotProcessEnded when the
    child ends by itself, so the leader's next poll starts it again.

    The child dies with its parent (PR_SET_PDEATHSIG): a `piket serve` killed by SIGKILL
    must not leave a sender behind while another instance takes the lead."""
    process = multiprocessing.get_context("spawn").Process(
        target=bot_process_main, args=(settings, os.getpid()), name="piket-bot"
    )
    process.start()
    log.info("bot process %d started", process.pid)
    try:
        while process.is_alive() and not stop.is_set():
            process.join(0.2)
    finally:
        _end(process)
    if not stop.is_set():
        log.error("the bot process ended by itself (exit code %s)", process.exitcode)
        raise BotProcessEnded


def _end(process: multiprocessing.process.BaseProcess) -> None:
    """SIGTERM (the bot stops its poll and sender cleanly, see bot_process_main), SIGKILL if it hangs."""
    if process.is_alive():
        process.terminate()
        process.join(BOT_STOP_SECONDS)
    if process.is_alive():
        log.error("the bot process did not stop within %d s; killing it", BOT_STOP_SECONDS)
        process.kill()
        process.join()


BOT_STOP_SECONDS = 20


def bot_process_main(settings: Settings, parent_pid: int) -> None:
    """The child's entry point: its own keys, database pool and heartbeat; SIGTERM stops it."""
    _die_with_parent(parent_pid)
    logs.configure(settings.log_level)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Ctrl-C reaches the whole process group: the parent stops this process itself, in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    runtime = Runtime(settings, SystemClock())
    runtime.database  # loads the keys (and the team's zone) before anything opens a value  # noqa: B018
    with Heartbeat(runtime):  # this process seals and opens values too: key rotation waits for it
        run_bot(runtime, stop)


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the line above took effect
        os._exit(1)


PR_SET_PDEATHSIG = 1
