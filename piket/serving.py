"""Starting the long-running parts: the WSGI server and the scheduler runner."""

from __future__ import annotations

import logging
import signal
import threading

from waitress import serve as waitress_serve

from backend import jobs
from backend.leader import leader_lock_for
from backend.web import create_app
from piket.runtime import Runtime
from scheduling.runner import Runner

log = logging.getLogger("piket")


def run_scheduler(runtime: Runtime) -> Runner:
    database = runtime.database
    jobs.bind(jobs.JobContext(database, runtime.clock, runtime.settings))
    lock = leader_lock_for(database.engine, database.url)
    runner = Runner(database.engine, lock,
                    misfire_grace_seconds=runtime.settings.misfire_grace_seconds)
    runner.start()
    jobs.register(runner)
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


def start_bot(runtime: Runtime) -> threading.Thread | None:
    """Run the bot (polling, or a webhook when configured) in a thread of its own; None without a token."""
    settings = runtime.settings
    if settings.telegram_token is None:
        return None
    thread = threading.Thread(target=run_bot, args=(runtime, _BOT_STOP), name="piket-bot", daemon=True)
    thread.start()
    return thread


def stop_bot() -> None:
    _BOT_STOP.set()


_BOT_STOP = threading.Event()


def run_bot(runtime: Runtime, stop_flag: threading.Event) -> None:
    """The bot's own event loop; it ends when `stop_flag` is set."""
    import asyncio

    from bot.app import build_application, run_polling, run_webhook

    settings = runtime.settings
    assert settings.telegram_token is not None
    application = build_application(settings.telegram_token.get_secret_value(), settings.telegram_api_url,
                                    runtime.database, runtime.clock)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(target=lambda: (stop_flag.wait(), loop.call_soon_threadsafe(stop.set)),
                         daemon=True).start()
        if settings.webhook_url and settings.webhook_secret:
            await run_webhook(application, runtime.database, runtime.clock, stop, settings.webhook_url,
                              settings.webhook_secret.get_secret_value(), settings.host, settings.port + 1)
        else:
            await run_polling(application, runtime.database, runtime.clock, stop)

    asyncio.run(main())
