"""Under `piket serve` the outbox sender has a child process of its own beside the bot's: a crash of
either is reported and both start again (never a second sender beside the first), and SIGTERM
(systemd, docker stop) stops the instance and both children in order, as Ctrl-C does."""

from __future__ import annotations

import os
import re
import signal

import pytest

from tests.faults.conftest import Site
from tests.faults.processes import BOT_PROCESSES_ONCE, Instance, descendants_of, is_running, started_bot
from tests.faults.scenario import HOURS_OK, buttons, ended_shifts, seed_crew

pytestmark = pytest.mark.sqlite_only(BOT_PROCESSES_ONCE)

SENDER = re.compile(r"outbox sender process (\d+) started")


def started_sender(instance: Instance) -> int:
    instance.wait_until(lambda: SENDER.findall(instance.log()), 60, "the sender process to start")
    return int(SENDER.findall(instance.log())[-1])


def test_a_crashed_sender_process_is_reported_and_both_start_again(site: Site) -> None:
    crew = seed_crew(site.database, site.now(), size=6)
    server = site.serve()
    assert server.process is not None
    bot, sender = started_bot(server), started_sender(server)
    assert sender != bot and sender in descendants_of(server.process.pid)
    os.kill(sender, signal.SIGKILL)
    server.wait_until(lambda: len(SENDER.findall(server.log())) == 2, 60, "the sender to be started again")
    assert "the outbox sender process ended by itself (exit code -9)" in server.log()
    assert not is_running(bot), "the bot's process was ended with it and started again"
    prompts = ended_shifts(site.database, crew, site.now(), pairs=2)
    server.wait_until(lambda: len(buttons(site.telegram, HOURS_OK)) == prompts, 60, "the hour prompts")
    assert len(buttons(site.telegram, HOURS_OK)) == prompts, "each prompt once"


def test_sigterm_stops_the_instance_and_both_bot_processes(site: Site) -> None:
    server = site.serve()
    assert server.process is not None
    bot, sender = started_bot(server), started_sender(server)
    server.wait_until(lambda: site.telegram.recorded("deleteWebhook"), 60, "the bot to start polling")
    server.process.send_signal(signal.SIGTERM)
    server.process.wait(timeout=30)
    assert server.process.returncode == 0, server.log()[-3000:]
    assert not is_running(bot) and not is_running(sender)
    assert " ERROR " not in server.log()
