"""Two `piket serve` instances on one database: the leader alone runs the jobs, polls Telegram
and sends; killed, it is replaced within a minute, and what fell due meanwhile goes out once.

On PostgreSQL the leader holds an advisory lock on a connection of its own, which
the server drops when the process dies. On SQLite a second process on the same
file waits on a file lock the same way.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from backend.models import Offer, OfferStatus
from tests.faults.conftest import Site
from tests.faults.scenario import (
    ESCALATION,
    HOURS_OK,
    LONG_AGO,
    SweepsTaken,
    buttons,
    ended_shifts,
    open_callouts,
    pending_outbox,
    seed_crew,
    sent_messages,
)

SWEEP = "1"  # seconds between sweeps, instead of 15: more chances to send something twice


def prompted(site: Site, hour_prompts: int) -> bool:
    return len(buttons(site.telegram, HOURS_OK)) == hour_prompts and pending_outbox(site.database) == 0


def offers(site: Site, *condition: Any) -> int:
    with site.database.transaction() as session:
        return session.execute(select(func.count()).select_from(Offer).where(*condition)).scalar_one()


def assert_each_once(site: Site, callouts: int, prompts: int) -> None:
    """Each due prompt was queued once and reached Telegram once."""
    telegram = site.telegram
    reminders = [row.ref for row in sent_messages(site.database, "reminder:")]
    assert len(reminders) == len(set(reminders)) == offers(site, Offer.reminded_at.is_not(None)) > 0
    assert offers(site, Offer.status == OfferStatus.PENDING, Offer.reminded_at.is_(None)) == 0
    assert Counter(data.split(":")[1] for _, data in buttons(telegram, ESCALATION)) == Counter(
        {str(i): 1 for i in range(1, callouts + 1)}
    )
    hour_buttons = [data for _, data in buttons(telegram, HOURS_OK)]
    assert len(hour_buttons) == len(set(hour_buttons)) == prompts
    assert len(telegram.recorded("sendMessage")) == len(sent_messages(site.database))
    assert telegram.conflicts == 0, "two instances polled Telegram at the same time"


def test_two_instances_fire_each_job_once_and_the_survivor_takes_over(site: Site) -> None:
    now = site.now()
    crew = seed_crew(site.database, now, size=10)
    open_callouts(site.database, crew, now, count=2, made_ago=LONG_AGO)
    ended_shifts(site.database, crew, now, pairs=2, ask=False)
    first, second = site.serve(sweep_seconds=SWEEP), site.serve(sweep_seconds=SWEEP)
    first.wait_until(first.leads, 30, "the first instance to lead")

    # Reminders, escalations and hour prompts go out, once, however many sweeps run.
    first.wait_until(lambda: prompted(site, 4), 60, "the first sweep's prompts")
    first.wait_until(SweepsTaken(site.database, 3), 60, "three more sweeps")
    assert_each_once(site, callouts=2, prompts=4)
    assert not second.leads()

    first.kill()
    killed = time.monotonic()
    now = site.now()
    open_callouts(site.database, crew, now, count=1, made_ago=LONG_AGO)
    ended_shifts(site.database, crew, now, pairs=1, first_pair=2, ask=False)
    second.wait_until(lambda: prompted(site, 6), 60, "the survivor to send what fell due")
    took = time.monotonic() - killed
    assert second.leads()
    second.wait_until(SweepsTaken(site.database, 3), 60, "three more sweeps on the survivor")
    assert_each_once(site, callouts=3, prompts=6)
    print(f"\ninstances: the survivor sent what fell due {took:.1f} s after the leader was killed")
