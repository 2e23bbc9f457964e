"""`piket serve` runs its bot (poller and outbox sender) in a child process of its own: it starts
and stops with the instance, a crash of it is reported and it is started again, and it dies with
its parent, so a killed leader leaves no second sender behind."""

from __future__ import annotations

import os
import signal

import pytest

from tests.faults.conftest import Site
from tests.faults.processes import BOT_PROCESSES_ONCE, bot_pids, descendants_of, is_running, started_bot
from tests.faults.scenario import HOURS_OK, buttons, ended_shifts, pending_outbox, seed_crew
from tests.waiting import wait_until

pytestmark = pytest.mark.sqlite_only(BOT_PROCESSES_ONCE)


def test_the_bot_runs_in_its_own_process_and_stops_with_the_instance(site: Site) -> None:
    now = site.now()
    crew = seed_crew(site.database, now, size=6)
    prompts = ended_shifts(site.database, crew, now, pairs=2)
    server = site.serve()
    bot = started_bot(server)
    assert server.process is not None and bot != server.process.pid
    assert bot in descendants_of(server.process.pid)
    server.wait_until(lambda: pending_outbox(site.database) == 0, 60, "the child's sender to deliver")
    assert len(buttons(site.telegram, HOURS_OK)) == prompts > 0

    server.stop()
    assert server.process.returncode == 0, server.log()[-3000:]
    assert not is_running(bot)
    assert " ERROR " not in server.log()


def test_a_crashed_bot_process_is_reported_and_started_again(site: Site) -> None:
    now = site.now()
    crew = seed_crew(site.database, now, size=6)
    server = site.serve()
    first = started_bot(server)
    os.kill(first, signal.SIGKILL)
    server.wait_until(lambda: len(bot_pids(server)) == 2, 60, "the bot process to be started again")
    assert "the bot process ended by itself (exit code -9)" in server.log()
    # The new one works: it sends what is queued after the crash.
    prompts = ended_shifts(site.database, crew, now, pairs=2)
    server.wait_until(lambda: len(buttons(site.telegram, HOURS_OK)) == prompts, 60, "the hour prompts")


def test_a_killed_instance_takes_its_bot_process_with_it(site: Site) -> None:
    server = site.serve()
    bot = started_bot(server)
    # Polling: past its start-up (a child killed before it has asked to die with its parent finds
    # itself orphaned and exits on its own, only later).
    server.wait_until(lambda: site.telegram.recorded("deleteWebhook"), 60, "the bot to start polling")
    assert server.process is not None
    family = descendants_of(server.process.pid)  # the bot's, the sender's and the fork server
    assert bot in family and len(family) >= 3
    server.kill()
    wait_until(lambda: not any(map(is_running, family)), 10, "the bot's processes to die with their parent")
