"""The coordinator's notices say what happened, and what to do when it did not: a call-out offered to
nobody, widening that reaches no one more, a bot that sends nothing."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import func, select, update

from backend.models import Callout, Inspector, Offer
from backend.services import outbox
from backend.services.outbox import Message
from tests.support.web import TIP, municipality
from tests.web.conftest import Site, WebClient

NOTICES = re.compile(r'<p class="(?:notice|warning)" role="(?:status|alert)">([^<]*)</p>')


def create(site: Site, client: WebClient) -> tuple[int, list[str]]:
    made = client.post(
        "/coordinator/callouts/new", data={**TIP, "municipality_id": municipality(site, "Smallingerland")}
    )
    assert made.status_code == 302
    with site.database.transaction() as session:
        callout = session.execute(select(Callout).order_by(Callout.id.desc())).scalars().first()
        assert callout is not None
        offered = session.execute(select(func.count(Offer.id)).where(Offer.shift_id == callout.shift_id))
        count = offered.scalar_one()
    notices = NOTICES.findall(html.unescape(client.get("/coordinator").text))
    return count, [n for n in notices if n] + [f"offers={count}"]


def test_a_call_out_says_to_how_many_it_was_offered(site: Site) -> None:
    count, notices = create(site, site.client("coordinator"))
    assert count > 1
    assert notices[0].endswith(f"aangemaakt en aangeboden aan {count} toezichthouders.")
    assert not any("De bot heeft" in n for n in notices)


def test_a_call_out_offered_to_nobody_says_so_and_what_to_do(site: Site) -> None:
    with site.database.transaction() as session:
        session.execute(update(Inspector).values(telegram_id=None, telegram_index=None))
    client = site.client("coordinator")
    count, notices = create(site, client)
    assert count == 0
    assert "aangemaakt, maar aan niemand aangeboden" in notices[0] and "Bel ze" in notices[0]
    board = html.unescape(client.get("/coordinator/board").text)
    assert "Niemand: geen toezichthouder die mag gaan heeft een telefoon gekoppeld aan de bot." in board
    callout_id = re.findall(r'id="callout-(\d+)"', board)[0]
    assert client.post(f"/coordinator/callouts/{callout_id}/widen").status_code == 302
    widened = NOTICES.findall(html.unescape(client.get("/coordinator").text))
    assert any(n.startswith("Niemand anders kon deze oproep aangeboden krijgen") for n in widened)
    assert not any("Aan nog 0" in n for n in widened)


def test_a_bot_that_sends_nothing_is_named_on_the_board_and_after_a_call_out(site: Site) -> None:
    with site.database.transaction() as session:
        someone = session.execute(select(Inspector).where(Inspector.telegram_index.is_not(None))).scalar()
        assert someone is not None
        outbox.send(
            session,
            site.clock.now() - timedelta(minutes=20),
            someone,
            Message("control.removed", {"date": "di 9 mrt", "start": "14:00", "end": "23:00"}),
        )
    client = site.client("coordinator")
    _, notices = create(site, client)
    assert any(n.startswith("De bot heeft sinds") and "nog niemand is gevraagd" in n for n in notices)
    board = html.unescape(client.get("/coordinator").text)
    assert "aanbiedingen en herinneringen komen bij niemand aan" in board


def test_a_bot_that_keeps_up_is_not_called_silent(site: Site) -> None:
    with site.database.transaction() as session:
        someone = session.execute(select(Inspector).where(Inspector.telegram_index.is_not(None))).scalar()
        assert someone is not None
        outbox.send(
            session,
            site.clock.now() - timedelta(minutes=1),
            someone,
            Message("control.removed", {"date": "di 9 mrt", "start": "14:00", "end": "23:00"}),
        )
        assert outbox.stalled_since(session, site.clock.now()) is None
