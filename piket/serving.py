"""Starting the long-running parts: the WSGI server and the scheduler runner."""

from __future__ import annotations

import logging
import signal
import threading

from waitress import serve as waitress_serve

from backend.leader import leader_lock_for
from backend.web import create_app
from piket.runtime import Runtime
from scheduling.runner import Runner

log = logging.getLogger("piket")


def run_scheduler(runtime: Runtime) -> Runner:
    database = runtime.database
    lock = leader_lock_for(database.engine, database.url)
    runner = Runner(database.engine, lock,
                    misfire_grace_seconds=runtime.settings.misfire_grace_seconds)
    runner.start()
    log.info("scheduler started (jobs are stored in the database)")
    return runner


def run_web(runtime: Runtime) -> None:
    settings = runtime.settings
    app = create_app(settings, runtime.database, runtime.clock)
    log.info("web and API on http://%s:%d", settings.host, settings.port)
    waitress_serve(app, host=settings.host, port=settings.port, threads=8,
                   ident="piket", _quiet=True)


def wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
