"""Starting the long-running parts: the WSGI server and the scheduler runner."""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import multiprocessing.connection
import multiprocessing.process
import os
import secrets
import select
import signal
import threading
import time
from collections.abc import Callable, Mapping
from multiprocessing.synchronize import Semaphore
from typing import TYPE_CHECKING, Any

from backend import logs
from backend.config import Settings
from backend.leader import leader_lock_for
from backend.services import instances
from piket.runtime import Runtime
from scheduling.clock import SystemClock
from secure_store import reload_keyring

if TYPE_CHECKING:
    from scheduling.runner import Runner

# The web (Flask, every page), the jobs and the scheduler are imported where they start, not here:
# the bot's fork server imports this module for its children, which need none of them (0.75 s of
# CPU less at every start of the bot's processes).

log = logging.getLogger("piket")


def run_scheduler(runtime: Runtime, on_leadership: Callable[[bool], None] | None = None) -> Runner:
    from backend import jobs
    from scheduling.runner import Runner

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
    from waitress import serve as waitress_serve

    from backend.web import create_app

    settings = runtime.settings
    app = create_app(settings, runtime.database, runtime.clock)
    settle_heap()
    log.info("web and API on http://%s:%d", settings.host, settings.port)
    # SIGTERM (systemd, docker stop) ends the server as Ctrl-C does, so the caller's shutdown runs:
    # by default the process died at once, its bot processes killed halfway through a send.
    signal.signal(signal.SIGTERM, _stop_serving)
    waitress_serve(app, **waitress_options(settings))


def settle_heap() -> None:
    """Put what start-up made (modules, the app, its routes) out of the garbage collector's sight.

    They live as long as the process, yet each full collection walked them all: some 116,000
    objects, 67 ms on the development machine, landing on whichever request was running (the p95 of
    a page in bench/scale.py). Frozen, a full collection walks only what requests made since."""
    gc.collect()
    gc.freeze()


def _stop_serving(*_: object) -> None:
    """Waitress ends its loop on SystemExit; a second SIGTERM does not cut the shutdown short."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(0)


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

    With `own_process` (as `piket serve` runs it) the thread runs the bot in
    child processes, the poller and the outbox sender each in one (see
    `run_bot_process`): in one interpreter the web pages and the bot took turns
    at one lock, and under load the sender fell behind Telegram's pace while
    taps waited for pages.
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


def run_bot(
    runtime: Runtime, stop_flag: threading.Event, wake_sender: Callable[[], object] | None = None
) -> None:
    """The bot's own event loop; it ends when `stop_flag` is set. With `wake_sender` the outbox
    sender runs elsewhere (see `run_sender`) and this wakes it; without, it runs in this loop."""
    import asyncio

    from bot.app import build_application, run_polling, run_webhook
    from bot.sender import Pace

    settings = runtime.settings
    assert settings.telegram_token is not None
    application = build_application(
        settings.telegram_token.get_secret_value(),
        settings.telegram_api_url,
        runtime.database,
        runtime.clock,
        pace=Pace.of(settings),
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
                    wake_sender,
                )
            else:
                await run_polling(application, runtime.database, runtime.clock, stop, wake_sender)
        finally:
            watcher.cancel()

    asyncio.run(main())


def run_sender(runtime: Runtime, stop_flag: threading.Event, woken: Semaphore) -> None:
    """The outbox sender alone in its own event loop, until `stop_flag` is set; the bot's process
    releases `woken` when a handler has queued a message (a semaphore: releasing it never waits,
    also when this process was killed halfway through taking it)."""
    import asyncio

    from telegram import Bot

    from bot.sender import OutboxSender, Pace

    settings = runtime.settings
    assert settings.telegram_token is not None

    async def main() -> None:
        stop, wake = asyncio.Event(), asyncio.Event()
        loop, done = asyncio.get_running_loop(), threading.Event()

        def relay() -> None:  # a thread: the semaphore cannot be awaited
            while not (stop_flag.is_set() or done.is_set()):
                if woken.acquire(timeout=0.2):
                    while woken.acquire(block=False):  # one wake-up for all released meanwhile
                        pass
                    loop.call_soon_threadsafe(wake.set)
            loop.call_soon_threadsafe(stop.set)
            loop.call_soon_threadsafe(wake.set)

        token = settings.telegram_token.get_secret_value()  # type: ignore[union-attr]
        async with Bot(token, base_url=settings.telegram_api_url) as bot:
            sender = OutboxSender(runtime.database, bot, runtime.clock, Pace.of(settings).limiter())
            relaying = threading.Thread(target=relay, name="piket-outbox-wake", daemon=True)
            relaying.start()
            try:
                await sender.serve(stop, wake)
            finally:
                done.set()
                relaying.join()
                sender.close()

    asyncio.run(main())


class BotProcessEnded(Exception):
    """One of the bot's processes ended without being asked to (its exit code is logged)."""


def run_bot_process(settings: Settings, stop: threading.Event) -> None:
    """The bot in child processes of its own, until `stop` is set: one polls and answers taps, the
    other runs the outbox sender (each with an interpreter of its own: in one, a fan-out's sends
    made taps wait, and taps held up the sender). When either ends by itself both are ended and
    BotProcessEnded is raised, so the leader's next poll starts the pair again: never a second
    sender beside the first.

    The children are forked from a fork server (started with the first pair, kept for restarts)
    that has imported the bot's modules once: spawning each child imported them again, a second and
    a half of CPU per child at every start. A fork server forks from a process without threads (this
    one has the web server's and the scheduler's), so the children inherit no held lock.

    The children die with `piket serve` (`_die_with_parent`), and the fork server then ends too: a
    `piket serve` killed by SIGKILL must not leave a sender behind while another instance takes the
    lead."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(CHILD_MODULES)
    woken = context.Semaphore(0)
    processes = {
        name: context.Process(target=main, args=(settings, os.getpid(), woken), name=f"piket-{name}")
        for name, main in (("bot", bot_process_main), ("outbox sender", sender_process_main))
    }
    try:
        for name, process in processes.items():
            process.start()
            log.info("%s process %d started", name, process.pid)
        while not stop.is_set() and all(process.is_alive() for process in processes.values()):
            multiprocessing.connection.wait([process.sentinel for process in processes.values()], 0.2)
        ended = [(name, process.exitcode) for name, process in processes.items() if not process.is_alive()]
    finally:
        _end(processes)
    if not stop.is_set():
        for name, exitcode in ended:
            log.error("the %s process ended by itself (exit code %s)", name, exitcode)
        raise BotProcessEnded


def _end(processes: Mapping[str, multiprocessing.process.BaseProcess]) -> None:
    """SIGTERM (each stops its poll or sender cleanly, see `_child_main`), SIGKILL if one hangs."""
    started = {name: process for name, process in processes.items() if process.pid is not None}
    for process in started.values():
        if process.is_alive():
            process.terminate()
    for name, process in started.items():
        process.join(BOT_STOP_SECONDS)  # after the first, the others have had as long
        if process.is_alive():
            log.error("the %s process did not stop within %d s; killing it", name, BOT_STOP_SECONDS)
            process.kill()
            process.join()


BOT_STOP_SECONDS = 20


def bot_process_main(settings: Settings, serve_pid: int, woken: Semaphore) -> None:
    """The bot's child: polling (or the webhook) and the handlers; it wakes the sender's child."""
    _child_main(settings, serve_pid, lambda runtime, stop: run_bot(runtime, stop, woken.release))


def sender_process_main(settings: Settings, serve_pid: int, woken: Semaphore) -> None:
    """The outbox sender's child."""
    _child_main(settings, serve_pid, lambda runtime, stop: run_sender(runtime, stop, woken))


def _child_main(settings: Settings, serve_pid: int, work: Callable[[Runtime, threading.Event], None]) -> None:
    """A child's own keys, database pool and heartbeat; SIGTERM stops it."""
    _die_with_parent(serve_pid)
    logs.configure(settings.log_level)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Ctrl-C reaches the whole process group: the parent stops this process itself, in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    runtime = Runtime(settings, SystemClock())
    runtime.database  # loads the keys (and the team's zone) before anything opens a value  # noqa: B018
    with Heartbeat(runtime):  # this process seals and opens values too: key rotation waits for it
        work(runtime, stop)


def _die_with_parent(serve_pid: int) -> None:
    """End this process the moment `piket serve` ends, however it ends (SIGKILL included).

    Its parent is the fork server, not `piket serve`, and the fork server outlives `piket serve`
    while a child it forked lives (each child holds the pipe whose end tells it to stop), so
    PR_SET_PDEATHSIG cannot do it: a thread waits on a pidfd of `piket serve` instead (Linux 5.3;
    elsewhere, as on a developer's Mac, it looks every half second)."""
    try:
        watched = os.pidfd_open(serve_pid) if hasattr(os, "pidfd_open") else None
    except ProcessLookupError:  # ended already, before this process started (the loop below sees it too)
        os._exit(1)

    def watch() -> None:
        if watched is not None:
            select.select([watched], [], [])  # readable once the process has ended
        else:
            while _is_alive(serve_pid):
                time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="piket-die-with-parent", daemon=True).start()


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


CHILD_MODULES = ["piket.serving", "bot.app", "bot.sender"]
"""What the fork server imports once for every child it forks."""
