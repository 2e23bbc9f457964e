"""PostgreSQL stopped for 10 seconds under a running `piket serve`: the web and the API answer a
clear 503, the bot answers "try again", nothing acknowledged is lost, and everything resumes by
itself when the database is back (no restart of piket).

The processes retry every second here (PIKET_LEADER_POLL_SECONDS, see conftest), so ten seconds is
many retries: the test checks that the leader retried more than once before the database came back,
which is what a longer outage would add."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from backend import migrate
from backend.db import Database
from backend.models import Offer, OfferStatus, Role
from backend.services import accounts
from bot.i18n import text
from secure_store import KeyRing
from tests.faults.conftest import Site
from tests.faults.postgres import PrivatePostgres, binaries
from tests.faults.processes import log_in
from tests.faults.scenario import (
    ACCEPT,
    ESCALATION,
    LONG_AGO,
    buttons,
    describe_pending,
    open_callouts,
    pending_outbox,
    processed_updates,
    seed_crew,
)
from tests.faults.standin import Server

pytestmark = pytest.mark.slow
OUTAGE_SECONDS = 10
SEND_SECONDS = 30
"""The bound for the outbox to send what is due: a few messages a chat at one a second, with room
for a loaded machine."""


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    bin_dir = binaries()
    if bin_dir is None:
        if os.environ.get("PIKET_TEST_DATABASE_URL"):
            pytest.fail("PostgreSQL is configured for the tests but its server programs are not installed")
        pytest.skip("needs PostgreSQL's server programs (apt-get install postgresql)")
    server = PrivatePostgres(bin_dir)
    server.start()
    yield server
    server.remove()


@pytest.fixture
def site(postgres: PrivatePostgres, keyring: KeyRing, tmp_path: Path) -> Iterator[Site]:
    keys_file = tmp_path / "keys.json"
    keyring.write(keys_file)
    database = Database(postgres.url)
    migrate.upgrade(database.engine)
    with Server() as telegram:
        made = Site(database, postgres.url, keys_file, tmp_path, telegram.telegram, telegram.api_url)
        try:
            yield made
        finally:
            made.end()
            database.dispose()


def test_the_database_gone_for_10_seconds_through_repeated_retries(
    site: Site, postgres: PrivatePostgres
) -> None:
    now = site.now()
    crew = seed_crew(site.database, now, size=6)
    open_callouts(site.database, crew, now, count=1)
    with site.database.transaction() as session:
        _, token = accounts.create_api_token(session, now, "test", "outage", Role.COORDINATOR)
    server = site.serve(sweep_seconds="2")
    telegram = site.telegram
    server.wait_until(
        lambda: pending_outbox(site.database) == 0 and buttons(telegram, ACCEPT), 60, "the offers"
    )
    (first, first_tap), (second, second_tap), *_ = buttons(telegram, ACCEPT)
    before = telegram.press(first, first_tap)
    telegram.wait_for(lambda: before in telegram.answers(), 30, "the answer before the outage")
    site.database.dispose()  # the test's own connections would otherwise hold up the fast shutdown

    postgres.stop()
    stopped = time.monotonic()
    status, body = server.get("/healthz")
    assert status == 503 and body["error"] == "database_unavailable"
    status, body = server.get("/api/v1/callouts", token=token)
    assert status == 503 and "probeer het zo opnieuw" in body["message"]
    status, page = log_in(server.port, "wytske", "x" * 12, "123456")
    assert status == 503 and "probeer het zo opnieuw" in page
    during = telegram.press(second, second_tap)
    telegram.wait_for(lambda: during in telegram.answers(), 30, "the bot's answer during the outage")
    assert telegram.answers()[during] == text("nl", "error.try_again")
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
    retries = server.log().count("leader election step failed (OperationalError); retrying")
    assert retries > 1, f"the leader retried {retries} time(s) while the database was away"
    postgres.start()
    back = time.monotonic()

    took = server.wait_until(lambda: server.get("/healthz")[0] == 200, 60, "the web to recover")
    again = telegram.press(second, second_tap)  # the inspector taps again, as the answer asked
    telegram.wait_for(lambda: again in telegram.answers(), 30, "the repeated tap")
    assert telegram.answers()[again] != text("nl", "error.try_again")
    assert server.get("/api/v1/callouts", token=token)[0] == 200

    # The jobs resumed too: a call-out open for 40 minutes gets its escalation from the sweep.
    escalations = len(buttons(telegram, ESCALATION))
    open_callouts(site.database, crew, site.now(), count=1, made_ago=LONG_AGO)
    server.wait_until(
        lambda: len(buttons(telegram, ESCALATION)) > escalations, 60, "the sweep after the outage"
    )
    resumed = time.monotonic() - back

    with site.database.transaction() as session:
        answered = {
            offer.inspector_id
            for offer in session.execute(
                select(Offer).where(Offer.status != OfferStatus.PENDING, Offer.answered_at.is_not(None))
            ).scalars()
        }
    assert {crew.phones[first], crew.phones[second]} <= answered
    processed = processed_updates(site.database)
    assert int(before[1:]) in processed and int(again[1:]) in processed
    assert int(during[1:]) not in processed  # rolled back, and answered "try again"
    # The sweep that escalated queued reminders to those who have not answered, behind their
    # offers (one message a second per chat): everything due goes out, none held back by the outage.
    server.wait_until(
        lambda: pending_outbox(site.database) == 0,
        SEND_SECONDS,
        "everything due to be sent",
        lambda: describe_pending(site.database),
    )
    emptied = time.monotonic() - back
    assert server.log().count("this instance is now the scheduler leader") == 2
    print(
        f"\noutage: {retries} retries by the leader, web back {took:.1f} s after PostgreSQL, "
        f"jobs and bot {resumed:.1f} s, "
        f"outbox empty {emptied:.1f} s"
    )
