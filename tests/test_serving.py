"""The bot follows leadership: started on the leader, stopped when another leads, started again
when it died (without the token in the log)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import httpx
import pytest
from waitress.server import create_server

from backend import logs, migrate
from backend.config import load_settings
from backend.db import Database
from backend.web import create_app
from piket.runtime import Runtime
from piket.serving import BotWhileLeading, waitress_options
from scheduling.clock import SystemClock
from tests.faults.processes import free_port
from tests.faults.standin import TOKEN as STANDIN_TOKEN
from tests.faults.standin import Server
from tests.waiting import wait_until

TOKEN = "4242:NEVER-IN-THE-LOG"


def test_a_bot_that_cannot_reach_telegram_stops_quietly_and_starts_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    logs.hold_libraries()  # as every `piket` command does
    settings = load_settings(
        {
            "PIKET_DATA_DIR": str(tmp_path),
            "PIKET_TELEGRAM_TOKEN": TOKEN,
            "PIKET_TELEGRAM_API_URL": f"http://127.0.0.1:{free_port()}/bot",
        }
    )
    bot = BotWhileLeading(Runtime(settings, SystemClock()))
    caplog.set_level(logging.INFO)
    bot(True)
    wait_until(
        lambda: "the bot stopped (NetworkError)" in caplog.text,
        30,
        "the bot to give up on Telegram",
        lambda: caplog.text,
    )
    bot(True)  # the runner's next poll, still leading
    assert "the bot had stopped; starting it again" in caplog.text
    wait_until(
        lambda: caplog.text.count("the bot stopped (NetworkError)") == 2,
        30,
        "the restarted bot to give up again",
        lambda: caplog.text,
    )
    bot(False)  # another instance leads: nothing runs here
    bot.stop()
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text


def test_the_bot_stops_when_another_instance_leads(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with Server() as telegram:
        settings = load_settings(
            {
                "PIKET_DATA_DIR": str(tmp_path),
                "PIKET_TELEGRAM_TOKEN": STANDIN_TOKEN,
                "PIKET_TELEGRAM_API_URL": telegram.api_url,
            }
        )
        migrate.upgrade(Runtime(settings, SystemClock()).database.engine)
        bot = BotWhileLeading(Runtime(settings, SystemClock()))
        caplog.set_level(logging.INFO)
        bot(True)
        wait_until(
            lambda: telegram.telegram.recorded("deleteWebhook"),
            30,
            "the bot to start polling",
            lambda: caplog.text,
        )
        running = bot._thread
        bot(False)
        assert "another instance leads; stopping the bot here" in caplog.text
        assert running is not None and not running.is_alive()
        bot.stop()


@pytest.mark.parametrize(("hops", "is_https"), [("0", False), ("1", True)])
def test_behind_a_tls_proxy_the_served_app_sends_hsts(tmp_path: Path, hops: str, is_https: bool) -> None:
    """Through waitress itself (it drops X-Forwarded-* unless told): HSTS only behind a trusted proxy."""
    settings = load_settings(
        {
            "PIKET_DATA_DIR": str(tmp_path),
            "PIKET_SECRET_KEY": "x" * 40,
            "PIKET_PROXY_HOPS": hops,
            "PIKET_PORT": str(free_port()),
        }
    )
    database = Database(settings.effective_database_url)
    options = {k: v for k, v in waitress_options(settings).items() if k != "_quiet"}
    server = create_server(create_app(settings, database), **options)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        answer = httpx.get(
            f"http://127.0.0.1:{settings.port}/livez",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
        )
    finally:
        # The task threads first: one still finishing its request would otherwise pull a closed
        # trigger and log a traceback into whichever test runs next in this worker.
        server.task_dispatcher.shutdown()
        server.close()
        database.dispose()
    assert ("Strict-Transport-Security" in answer.headers) is is_https
