"""What rings shows at most the day and the time: every message kind the bot sends, checked as a
lock screen would show it (the rule: `backend/services/outbox.py`'s docstring).

Each scenario runs on a database of its own (so their times cannot collide) and together they
make the bot send every message kind it has; a new kind that no scenario sends fails the
coverage check until a scenario here sends it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from backend import jobs
from backend.config import load_settings
from backend.models import AssignmentStatus, CalloutSource, Designation, OutboxMessage, Report
from backend.services import callouts, control_changes, controls, enrolment, outbox
from bot.texts import TEXTS
from scheduling.clock import FrozenClock
from tests.bot.conftest import Team, control_day, make_team
from tests.bot.harness import Call, Harness
from tests.conftest import DatabaseFactory, Template, Templates
from tests.support.bot import bind_jobs, code_for, create, mark_days_off, newest_buttons, offer_buttons, tap

LOCATION, NOTES = "Wilhelminastraat 12, Drachten", "Achterom via de steeg."
TMM = "Politie Noord-Nederland, Team Migratiecriminaliteit en Mensenhandel (TMM)"
NAMES = ("Wytske", "Anna", "Bauke", "Ciska", "Douwe", "Eelke", "Testsma")
PLACES = ("Leeuwarden", "Smallingerland", "Wilhelminastraat", "Drachten", "Achterom", "Stationsweg")
NOT_MESSAGES = ("button.", "callback.", "source.", "kind.", "count.", "break.", "level.", "outcome.")
"""Labels, toasts and parts of messages, not messages."""
SENT_DIRECTLY = {
    "neutral": "to a stranger, there is no inspector to queue it for (checked below as it rings)",
    "error.try_again": "only when the database is down (tests/faults)",
    "draft.refused": "an edit (edits never ring); the service refuses a draft the bot let through",
    "hours.pick_end": "a step of the hours walk: an edit of the question (edits never ring)",
    "hours.pick_break": "a step of the hours walk: an edit of the question (edits never ring)",
    "hours.check": "a step of the hours walk: an edit of the question (edits never ring)",
    "hours.pick_break_start": "a step of the hours walk: an edit of the question (edits never ring)",
    "hours.pick_break_length": "a step of the hours walk: an edit of the question (edits never ring)",
    "report.pick_day": "a step of the report's time: an edit of the question (edits never ring)",
    "report.pick_start": "a step of the report's time: an edit of the question (edits never ring)",
    "report.recorded": "the report's time recorded: an edit of the question (edits never ring)",
    "findings.refused": "an edit (edits never ring); the service refuses findings the bot let through",
}
Scenario = Callable[[Harness, Team], Awaitable[None]]


async def press_first(harness: Harness, phone: int) -> None:
    await harness.press(phone, offer_buttons(harness, phone)[0][1])


async def hours_button(harness: Harness, phone: int, row: int) -> None:
    asked = next(c for c in harness.to(phone) if c.buttons and c.text.startswith("De dienst"))
    await harness.press(phone, asked.buttons[row][0][1])


async def a_call_out_from_offer_to_hours(h: Harness, t: Team) -> None:
    """Offers, a reminder, the coordinator's alert and assigning, the pair and its location, the
    others told (again, after their reminder), then hours, the report and the commands."""
    ciska, douwe, wytske, bauke = (t.phones[n] for n in ("Ciska", "Douwe", "Wytske", "Bauke"))
    create(h, t)
    await h.deliver()
    await press_first(h, ciska)  # waits for a colleague
    h.clock.advance(timedelta(minutes=15))
    jobs.sweep()
    await h.deliver()
    await press_first(h, douwe)  # two untrained: wait for a trained one
    h.clock.advance(timedelta(minutes=16))
    jobs.sweep()
    await h.deliver()
    await h.press(wytske, h.to(wytske)[-1].buttons[1][0][1])  # assign someone
    await h.deliver()
    await h.press(wytske, tap(h, wytske, "Bauke (opgeleid)"))
    await h.deliver()
    h.clock.advance(timedelta(hours=11))
    jobs.sweep()
    await h.deliver()
    await hours_button(h, bauke, 0)  # the hours are right
    await hours_button(h, ciska, 1)  # correct them
    await h.deliver()
    for phone, command in (
        (ciska, "/rooster"),
        (ciska, "/uren"),
        (ciska, "/taal xx"),
        (ciska, "/taal"),
        (ciska, "hallo"),
        (ciska, "/start"),
        (555, "/rooster"),
    ):
        await h.say(phone, command)
    await h.deliver()
    report = next(c for c in h.request.calls if c.buttons and c.text.startswith("Jij schrijft"))
    await h.press(int(report.params["chat_id"]), report.buttons[0][0][1])
    await h.deliver()


async def a_call_out_held_back_then_cancelled(h: Harness, t: Team) -> None:
    """Waiting for a mixed pair, a decline, the location held back until 40 h before the end, a
    standby, then the call-out cancelled."""
    anna, ciska, bauke, douwe = (t.phones[n] for n in ("Anna", "Ciska", "Bauke", "Douwe"))
    start = h.clock.now() + timedelta(hours=60)
    with h.database.transaction() as session:
        callout_id = callouts.create_callout(
            session,
            h.clock.now(),
            "web:coordinator",
            callouts.NewCallout(
                t.smallingerland, CalloutSource.POLICE, start, start + timedelta(hours=9), LOCATION
            ),
        ).id
    await h.deliver()
    await h.press(douwe, offer_buttons(h, douwe)[1][1])
    for phone in (anna, ciska, bauke):
        await press_first(h, phone)
    await h.deliver()
    h.clock.advance(timedelta(hours=29))
    await h.deliver()
    with h.database.transaction() as session:
        callouts.cancel(session, h.clock.now(), "web:coordinator", callout_id)
    await h.deliver()
    await h.say(anna, "/rooster")
    await h.deliver()


async def no_trained_left_widened_and_cancelled(h: Harness, t: Team) -> None:
    anna, bauke, wytske, ciska = (t.phones[n] for n in ("Anna", "Bauke", "Wytske", "Ciska"))
    create(h, t)
    await h.deliver()
    for phone in (anna, bauke, wytske):
        await h.press(phone, offer_buttons(h, phone)[1][1])
    await press_first(h, ciska)
    h.clock.advance(timedelta(minutes=15))
    jobs.sweep()
    await h.deliver()
    h.clock.advance(timedelta(minutes=16))
    jobs.sweep()
    await h.deliver()
    await h.press(wytske, h.to(wytske)[-1].buttons[0][0][1])  # offer to everyone
    await h.deliver()
    await newest_buttons(h, wytske, 0, 0)  # cancel, from the renewed alert
    await h.deliver()


async def nobody_left_to_assign(h: Harness, t: Team) -> None:
    anna, wytske = t.phones["Anna"], t.phones["Wytske"]
    with h.database.transaction() as session:
        session.execute(delete(Designation).where(Designation.inspector_id != t.people["Anna"]))
    create(h, t)
    await h.deliver()
    await press_first(h, anna)
    h.clock.advance(timedelta(minutes=31))
    jobs.sweep()
    await h.deliver()
    await h.press(wytske, h.to(wytske)[-1].buttons[1][0][1])
    await h.deliver()


async def a_control_day_with_cover(h: Harness, t: Team) -> None:
    """Asked, confirmed, reminded the day before (unconfirmed: asked again, the coordinator told),
    cover asked, a standby and a taker, the morning reminder, then someone taken off."""
    anna, ciska, douwe, bauke = (t.phones[n] for n in ("Anna", "Ciska", "Douwe", "Bauke"))
    shift_id = control_day(h, t, "Anna", "Ciska", hours_ahead=72, status=AssignmentStatus.PROPOSED)
    jobs.sweep()
    await h.say(ciska, "/rooster")
    await h.deliver()
    await newest_buttons(h, ciska, 0, 0)  # Ciska can
    h.clock.advance(timedelta(hours=48))
    jobs.sweep()
    await h.deliver()
    await newest_buttons(h, anna, 0, 1)  # Anna cannot: cover
    await h.deliver()
    await press_first(h, douwe)  # untrained, like Ciska: standby once Bauke comes
    await press_first(h, bauke)
    await h.deliver()
    h.clock.advance(timedelta(hours=18))
    jobs.sweep()
    await h.deliver()
    with h.database.transaction() as session:
        controls.remove_person(session, h.clock.now(), "web:coordinator", shift_id, t.people["Bauke"])
    await h.deliver()


async def lost_phones(h: Harness, t: Team) -> None:
    """Revocation on a staffed call-out, on a day alone, and during a shift; new phones linked."""
    anna, bauke = t.phones["Anna"], t.phones["Bauke"]
    create(h, t)
    await h.deliver()
    for phone in (anna, bauke):
        await press_first(h, phone)
    control_day(h, t, "Douwe", hours_ahead=100)
    control_day(h, t, "Ciska", "Douwe", hours_ahead=-1)
    await h.deliver()
    with h.database.transaction() as session:
        for name in ("Bauke", "Douwe"):
            enrolment.revoke(session, h.clock.now(), "web:admin", t.people[name])
    await h.deliver()
    for name, phone in (("Bauke", 777), ("Wytske", 778)):
        await h.say(phone, f"/start {code_for(h, t.people[name])}")
    await h.deliver()


async def the_coordinators_call_out(h: Harness, t: Team) -> None:
    wytske = t.phones["Wytske"]
    await h.say(t.phones["Anna"], "/oproep")
    await h.say(wytske, "/oproep")
    await h.deliver()
    await h.press(wytske, tap(h, wytske, "Stoppen"))
    await h.say(wytske, "/oproep")
    await h.deliver()
    for label in ("verzoek politie", "Smallingerland", "di 9 mrt", "16:00-01:00"):
        await h.press(wytske, tap(h, wytske, label))
        await h.deliver()
    for typed in (" ", "Stationsweg 3, Drachten", "x" * 2001, "Achterom"):
        await h.say(wytske, typed)
        await h.deliver()
    await h.press(wytske, tap(h, wytske, "Versturen"))
    await h.deliver()


async def a_phone_that_blocked_the_bot(h: Harness, t: Team) -> None:
    h.request.refuse["sendMessage"] = {"error_code": 403, "description": "Forbidden: bot was blocked"}
    create(h, t)
    await h.deliver()
    del h.request.refuse["sendMessage"]
    await h.deliver()
    with h.database.transaction() as session:
        outbox.report_blocked(session, h.clock.now(), t.people["Douwe"])
    await h.deliver()


async def days_off(h: Harness, t: Team) -> None:
    """Days off marked twice (once over a shift still held), listed, and one removed."""
    ciska = t.phones["Ciska"]
    control_day(h, t, "Anna", "Ciska", hours_ahead=24)
    await mark_days_off(h, ciska, "wo 10 mrt", "wo 10 mrt", "Verlof")
    await mark_days_off(h, ciska, "vr 12 mrt", "vr 12 mrt", "Geen reden")
    await h.say(ciska, "/afwezig")
    await h.deliver()
    await h.press(ciska, tap(h, ciska, "Verwijder vr 12 mrt t/m vr 12 mrt"))
    await h.deliver()


async def control_days_moved_and_cancelled(h: Harness, t: Team) -> None:
    """A control day moved (its people asked again), another cancelled."""
    moving = control_day(h, t, "Anna", "Ciska", hours_ahead=48)
    cancelled = control_day(h, t, "Bauke", "Douwe", hours_ahead=72)
    later = h.clock.now() + timedelta(days=7)
    with h.database.transaction() as session:
        control_changes.move_control(
            session,
            h.clock.now(),
            "web:coordinator",
            moving,
            later,
            later + timedelta(hours=9),
            "politie verzet de datum",
        )
        control_changes.cancel_control(session, h.clock.now(), "web:coordinator", cancelled, "onderzoek")


async def work_outside_shifts(h: Harness, t: Team) -> None:
    """/werk, tapped through to the booking."""
    anna = t.phones["Anna"]
    await h.say(anna, "/werk")
    await h.deliver()
    for row, column in ((1, 0), (0, 0), (0, 0), (0, 0), (0, 0)):  # training, today, 07:00, 0:30, correct
        await newest_buttons(h, anna, row, column)
        await h.deliver()


async def a_report_sent_back(h: Harness, t: Team) -> None:
    from backend.models import Report, ReportStatus
    from backend.services import reports

    shift_id = control_day(h, t, "Anna", "Ciska", hours_ahead=-30)
    with h.database.transaction() as session:
        report = Report(shift_id=shift_id, writer_id=t.people["Anna"], status=ReportStatus.WRITTEN)
        session.add(report)
        session.flush()
        reports.send_back(
            session, h.clock.now(), "web:coordinator", report.id, "Wilhelminastraat 12 ontbreekt"
        )


async def the_report_writers_findings(h: Harness, t: Team) -> None:
    """Nothing to record; then a control's findings in taps up to the most the bot takes, a walk
    stopped, and a call-out for an address controlled three weeks ago."""
    anna, wytske = t.phones["Anna"], t.phones["Wytske"]
    await h.say(anna, "/bevindingen")
    shift_id = control_day(h, t, "Anna", "Bauke", hours_ahead=-20)
    earlier = h.clock.now() - timedelta(days=20)
    with h.database.transaction() as session:
        session.add(Report(shift_id=shift_id, writer_id=t.people["Anna"]))
        callouts.create_callout(
            session,
            earlier,
            "web:coordinator",
            callouts.NewCallout(
                t.smallingerland, CalloutSource.MMA, earlier, earlier + timedelta(hours=9), LOCATION
            ),
        )
    await h.say(anna, "/bevindingen")
    await h.deliver()
    for label in (
        "ma 8 mrt Smallingerland",
        "Ja, met de politie",
        TMM,
        "Verder",
        "Overtreding",
        "Leeuwarden",
        "Ja",
        "Nee",
        *["Niemand aanwezig"] * 5,
        "Klaar: 6 adressen",
    ):
        await h.press(anna, tap(h, anna, label))
        await h.deliver()
    await h.say(anna, "/bevindingen")
    await h.deliver()
    await h.press(anna, tap(h, anna, "Stoppen"))
    await h.say(wytske, "/oproep")
    await h.deliver()
    for label in ("verzoek politie", "Smallingerland", "di 9 mrt", "16:00-01:00"):
        await h.press(wytske, tap(h, wytske, label))
        await h.deliver()
    await h.say(wytske, LOCATION)
    await h.deliver()
    await h.press(wytske, tap(h, wytske, "Geen notities"))


async def the_days_audit_anchor(h: Harness, t: Team) -> None:
    create(h, t)  # something in the audit log
    jobs.anchor()
    await h.deliver()


async def the_pairs_safety(h: Harness, t: Team) -> None:
    """Check-in and check-out, the code word set and used, the alarm taken and resolved, a missed
    check-out, and the risk note."""
    from backend.models import Inspector
    from backend.services import safety
    from tests.support.bot import button

    anna, bauke, wytske = (t.phones[n] for n in ("Anna", "Bauke", "Wytske"))
    shift_id = control_day(h, t, "Anna", "Bauke", hours_ahead=1)
    with h.database.transaction() as session:
        session.get_one(Inspector, t.people["Douwe"]).is_coordinator = True
        safety.set_risk_note(session, h.clock.now(), "coordinator", shift_id, "medium", "Honden op het erf.")
    jobs.bind(jobs.JobContext(h.database, h.clock, load_settings({})))
    for said in ("/codewoord", "abc", "zonnebloem"):
        await h.say(anna, said)
    await h.say(bauke, "/codewoord wis")
    h.clock.advance(timedelta(hours=1))
    jobs.sweep()
    await h.deliver()
    await h.press(anna, button(h, anna, "Hulp nodig"))
    h.clock.advance(timedelta(minutes=10))
    jobs.sweep()  # the back-up hears of it too, and then reads who took it
    await h.deliver()
    await h.press(wytske, button(h, wytske, "Ik pak dit op"))
    await h.deliver()
    await h.press(wytske, button(h, wytske, "Vals alarm"))
    h.clock.advance(timedelta(hours=9))
    await h.say(anna, "zonnebloem")
    h.clock.advance(timedelta(minutes=30))
    jobs.sweep()
    await h.deliver()


SCENARIOS: list[Scenario] = [
    a_call_out_from_offer_to_hours,
    a_call_out_held_back_then_cancelled,
    no_trained_left_widened_and_cancelled,
    nobody_left_to_assign,
    a_control_day_with_cover,
    lost_phones,
    the_coordinators_call_out,
    a_phone_that_blocked_the_bot,
    days_off,
    control_days_moved_and_cancelled,
    work_outside_shifts,
    a_report_sent_back,
    the_report_writers_findings,
    the_days_audit_anchor,
    the_pairs_safety,
]


def run(databases: DatabaseFactory, migrated: Template, scenario: Scenario) -> tuple[list[Call], set[str]]:
    """Run one scenario on a database of its own; what Telegram was asked, and the templates queued."""
    database = databases.copy(migrated)
    harness = Harness(database, FrozenClock(datetime(2027, 3, 9, 13, 0, tzinfo=UTC)))
    team = make_team(database)
    bind_jobs(harness)

    async def play() -> None:
        await scenario(harness, team)

    harness.play(play)
    with database.transaction() as session:
        payloads = session.scalars(select(OutboxMessage.payload).where(OutboxMessage.method != outbox.DELETE))
        messages = [json.loads(payload) for payload in payloads]
    templates = {m["template"] for m in messages}
    templates |= {item["template"] for m in messages for item in m["params"].get("items", [])}
    return harness.request.calls, templates


def test_no_ringing_message_names_a_place_or_a_person_over_every_message_kind(
    databases: DatabaseFactory,
    templates: Templates,
) -> None:
    ringing: list[str] = []
    sent: set[str] = set()
    for scenario in SCENARIOS:
        calls, queued = run(databases, templates.migrated(), scenario)
        sent |= queued
        rings = [c for c in calls if c.method == "sendMessage" and not c.params.get("disable_notification")]
        ringing += [c.text for c in rings]
    kinds = {key for key in TEXTS if not key.startswith(NOT_MESSAGES)} - set(SENT_DIRECTLY)
    assert sorted(kinds - sent) == [], f"message kinds no scenario sends: {sorted(kinds - sent)}"
    assert len(ringing) > 50
    leaks = [text for text in ringing if any(word in text for word in NAMES + PLACES)]
    assert leaks == []


def test_a_ringing_message_that_would_name_a_place_is_refused_before_it_is_queued() -> None:
    when = {"date": "2027-03-09", "start": "16:00", "end": "01:00"}
    with pytest.raises(outbox.LockScreenError, match="municipality"):
        outbox.Message("shift.tomorrow", {**when, "municipality": "Smallingerland"}).check_lock_screen()
    outbox.Message(
        "shift.tomorrow", {**when, "municipality": "Smallingerland"}, heads_up="shift.tomorrow_alert"
    ).check_lock_screen()
    outbox.Message("roster.list", {"items": []}, disable_notification=True).check_lock_screen()
    outbox.Message("offer.alert", when).check_lock_screen()
