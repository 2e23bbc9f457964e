"""SIGKILL in the middle of a burst of taps: what the bot acknowledged is kept, nothing is half
written, the audit chain holds, and the outbox delivers everything after the restart.

A tap is acknowledged when the bot answers its callback query, which it does
only after the transaction that records the update and its effect has
committed; the bot moves Telegram's offset past an update only after that, so
after the restart Telegram hands out the rest and every tap is answered. What
remains: a message Telegram accepted just before the kill, whose result was
not yet committed, is sent a second time (at least once, never lost).

The same holds by webhook: the bot answers Telegram's call only after the
update is committed, so Telegram posts again what the kill interrupted.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backend.models import HourEntry, Offer, OfferStatus, OutboxMessage, OutboxStatus
from backend.services import audit, outbox
from bot.i18n import text
from tests.faults.conftest import Site
from tests.faults.processes import Instance, free_port
from tests.faults.scenario import (
    ACCEPT,
    HOURS_OK,
    buttons,
    ended_shifts,
    open_callouts,
    pending_outbox,
    processed_updates,
    seed_crew,
)

TAPPED_OFFER = (OfferStatus.ACCEPTED, OfferStatus.STANDBY, OfferStatus.DECLINED)


def update_id(query_id: str) -> int:
    return int(query_id.removeprefix("q"))


def serve(site: Site, mode: str) -> Instance:
    """`piket serve` polling, or by webhook on a port kept across the restart (the webhook is port + 1)."""
    if mode == "polling":
        return site.serve()
    port = free_port()
    return site.serve(
        port=port,
        webhook_url=f"http://127.0.0.1:{port + 1}/telegram",
        webhook_secret="crash-test-secret",
        host="127.0.0.1",
    )


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_sigkill_during_a_burst_of_accepts_and_hour_confirmations(site: Site, mode: str) -> None:
    now = site.now()
    crew = seed_crew(site.database, now, size=16)
    open_callouts(site.database, crew, now, count=5)
    prompts = ended_shifts(site.database, crew, now, pairs=6)
    telegram = site.telegram
    server = serve(site, mode)
    telegram.wait_for(lambda: pending_outbox(site.database) == 0, 90, "the offers and hour prompts to go out")
    taps = buttons(telegram, ACCEPT) + buttons(telegram, HOURS_OK)
    assert len(buttons(telegram, HOURS_OK)) == prompts == 12
    random.Random(6).shuffle(taps)
    pressed = {telegram.press(phone, data): data for phone, data in taps}

    telegram.wait_for(lambda: len(telegram.answers()) >= len(pressed) // 3, 60, "a third of the taps")
    server.kill()
    acknowledged = telegram.answers()
    assert len(acknowledged) < len(pressed), "the kill came after the burst; nothing was in flight"

    server.restart()
    settled = SettledAfter(site, set(pressed))
    server.wait_until(settled, 90, "the taps and the outbox to settle after the restart")
    processed = processed_updates(site.database)

    # Every acknowledged tap was committed, with its effect.
    assert {update_id(q) for q in acknowledged} <= processed
    with site.database.transaction() as session:
        tapped_offers = {
            o.id for o in session.execute(select(Offer).where(Offer.status.in_(TAPPED_OFFER))).scalars()
        }
        entries = {(e.shift_id, e.inspector_id) for e in session.execute(select(HourEntry)).scalars()}
        offers_of_taps = {
            int(data.split(":")[1])
            for q, data in pressed.items()
            if update_id(q) in processed and ACCEPT.match(data)
        }
        hour_taps = [
            data for q, data in pressed.items() if update_id(q) in processed and HOURS_OK.match(data)
        ]
        # ...and nothing is half-written: every effect has its recorded tap, every tap its effect.
        assert tapped_offers <= offers_of_taps
        assert len(entries) == len(hour_taps)
        answered = {text("nl", f"callback.{key}") for key in ("waiting", "standby", "confirmed")}
        for query, answer in acknowledged.items():
            if answer in answered:
                assert int(pressed[query].split(":")[1]) in tapped_offers
        assert audit.verify(session).is_intact

        # The outbox resumed: nothing waits or failed (a message changed before it went was
        # withdrawn), and every sent message reached Telegram.
        rows = (
            session.execute(
                select(OutboxMessage).where(
                    OutboxMessage.method == outbox.SEND, OutboxMessage.not_before_at <= datetime.now(UTC)
                )
            )
            .scalars()
            .all()
        )
        assert {row.status for row in rows} <= {OutboxStatus.SENT, OutboxStatus.WITHDRAWN}
        sent = [row for row in rows if row.status is OutboxStatus.SENT]
        delivered = {(c.chat, c.message_id) for c in telegram.recorded("sendMessage")}
        assert sent and {(int(row.chat_id), row.telegram_message_id) for row in sent} <= delivered
    duplicates = len(telegram.recorded("sendMessage")) - len(sent)  # withdrawn ones never went
    per_chat = Counter(c.chat for c in telegram.recorded("sendMessage")) - Counter(
        int(row.chat_id) for row in sent
    )
    assert max(per_chat.values(), default=0) <= 1, "each chat has one message in flight at most"

    # No tap is lost: Telegram handed out again what was not handled, and every tap got its answer.
    assert set(telegram.answers()) == set(pressed)
    assert "handling an update failed" not in server.log()
    print(
        f"\ncrash: {len(pressed)} taps, {len(acknowledged)} acknowledged before SIGKILL, "
        f"all answered after the restart, {duplicates} messages sent twice "
        f"(at most {max(per_chat.values(), default=0)} to one chat)"
    )


class SettledAfter:
    """True once every tap has its answer, no update waits at Telegram and the outbox is empty (waiting
    for 2 s without a new answer instead took those 2 s in every run)."""

    def __init__(self, site: Site, pressed: set[str]) -> None:
        self.site, self.pressed = site, pressed

    def __call__(self) -> bool:
        return (
            self.pressed <= set(self.site.telegram.answers())
            and self.site.telegram.pending() == 0
            and pending_outbox(self.site.database) == 0
        )

    def __repr__(self) -> str:
        return (
            f"{len(self.pressed - set(self.site.telegram.answers()))} taps unanswered, "
            f"{self.site.telegram.pending()} updates at Telegram, "
            f"{pending_outbox(self.site.database)} messages in the outbox"
        )
