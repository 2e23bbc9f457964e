"""Shared steps of the bot tests: a call-out to offer, the buttons a phone got and tapping them by
label, an enrolment code, days off marked by chat, and the jobs bound to the test's database."""

from __future__ import annotations

from datetime import timedelta

from backend import jobs
from backend.config import load_settings
from backend.models import (
    CalloutSource,
)
from backend.services import callouts, enrolment
from backend.services.callouts import NewCallout
from tests.bot.conftest import Team
from tests.bot.harness import Harness


def create(harness: Harness, team: Team, hours_ahead: int = 2) -> int:
    """A call-out in Smallingerland made by the coordinator on the web, `hours_ahead` from now; its id."""
    start = harness.clock.now() + timedelta(hours=hours_ahead)
    with harness.database.transaction() as session:
        made = callouts.create_callout(
            session,
            harness.clock.now(),
            "web:coordinator",
            NewCallout(
                team.smallingerland,
                CalloutSource.MMA,
                start,
                start + timedelta(hours=9),
                "Wilhelminastraat 12, Drachten",
                "Achterom via de steeg.",
            ),
        )
        return made.id


async def pair_up(harness: Harness, *phones: int) -> None:
    """The call-out's offers delivered, these phones tap Accept on theirs, and what that queued
    delivered (the pair confirmed, the others told)."""
    await harness.deliver()
    for phone in phones:
        await harness.press(phone, offer_buttons(harness, phone)[0][1])
    await harness.deliver()


def offer_buttons(harness: Harness, phone: int) -> list[tuple[str, str]]:
    """Accept / Decline of the first offer this phone got (a reminder repeats them)."""
    details = next(c for c in harness.to(phone) if c.buttons)
    return details.buttons[0]


def tap(harness: Harness, phone: int, label: str) -> str:
    """The data of the button with this label on the newest message to the phone that has buttons."""
    calls = [c for c in harness.request.calls if c.buttons and int(c.params.get("chat_id", 0)) == phone]
    return next(data for row in calls[-1].buttons for shown, data in row if shown == label)


async def newest_buttons(harness: Harness, phone: int, row: int, column: int) -> None:
    """Presses the button at (row, column) of the newest message to the phone that has buttons."""
    calls = [c for c in harness.request.calls if c.buttons and int(c.params.get("chat_id", 0)) == phone]
    await harness.press(phone, calls[-1].buttons[row][column][1])


def hours_message(harness: Harness, phone: int) -> list[list[tuple[str, str]]]:
    """The buttons of the newest question about a shift's hours (as sent, or as edited since)."""
    edits = [c for c in harness.to(phone, "editMessageText") if c.buttons]
    sent = [c for c in harness.to(phone) if c.text.startswith("De dienst") and c.buttons]
    return (edits or sent)[-1].buttons


async def tap_through(harness: Harness, phone: int, labels: tuple[str, ...]) -> None:
    """Taps the hours message's buttons by their labels, one after another, each answer delivered."""
    for label in labels:
        await harness.press(
            phone,
            next(data for row in hours_message(harness, phone) for shown, data in row if shown == label),
        )
        await harness.deliver()


def code_for(harness: Harness, inspector_id: int) -> str:
    """A new enrolment code for this inspector, as the admin makes it on the web."""
    with harness.database.transaction() as session:
        return enrolment.create_code(session, harness.clock.now(), "web:admin", inspector_id)


async def mark_days_off(harness: Harness, phone: int, first: str, last: str, reason: str) -> None:
    """/afwezig from `first` to `last` (button labels) with a reason, each answer delivered."""
    await harness.say(phone, "/afwezig")
    await harness.deliver()
    await harness.press(phone, tap(harness, phone, "Afwezigheid opgeven"))
    await harness.deliver()
    await harness.press(phone, tap(harness, phone, first))
    await harness.deliver()
    await harness.press(phone, tap(harness, phone, last))
    await harness.deliver()
    await harness.press(phone, tap(harness, phone, reason))
    await harness.deliver()


def bind_jobs(harness: Harness) -> None:
    """The scheduled jobs (sweeps, reminders) working on the harness's database and clock."""
    jobs.bind(jobs.JobContext(harness.database, harness.clock, load_settings({})))


def button(harness: Harness, phone: int, label: str) -> str:
    calls = harness.to(phone) + harness.to(phone, "editMessageText")
    return next(
        data for call in reversed(calls) for row in call.buttons for text, data in row if text == label
    )
