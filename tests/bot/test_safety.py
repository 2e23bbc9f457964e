"""The pair's safety in the bot: check-in, "Veilig klaar", the missed check-out's ladder, the alarm,
the code word, the risk note, and buttons that are not what they claim."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from backend import jobs
from backend.config import load_settings
from backend.models import (
    AlertOutcome,
    AlertStage,
    Assignment,
    Inspector,
    OutboxMessage,
    Role,
    SafetyAlert,
    SafetyCheckIn,
    WebUser,
)
from backend.models.safety import DuressWord
from backend.services import safety, safety_ladder
from bot import keyboards
from bot.callbacks import AlertTap, ShiftTap
from tests.bot.conftest import Team, control_day
from tests.bot.harness import Harness
from tests.support.bot import button, tap

END = timedelta(hours=9)
"""control_day's shifts run 14:00-23:00, nine hours from the harness's clock."""


def bind_jobs(harness: Harness) -> None:
    jobs.bind(jobs.JobContext(harness.database, harness.clock, load_settings({})))


def make_coordinator(harness: Harness, team: Team, name: str) -> None:
    with harness.database.transaction() as session:
        session.get_one(Inspector, team.people[name]).is_coordinator = True


def assignment_of(harness: Harness, team: Team, shift_id: int, name: str) -> int:
    with harness.database.transaction() as session:
        return session.execute(
            select(Assignment.id).where(
                Assignment.shift_id == shift_id, Assignment.inspector_id == team.people[name]
            )
        ).scalar_one()


def labels(harness: Harness, phone: int) -> list[list[str]]:
    return [[label for label, _ in row] for row in harness.to(phone)[-1].buttons]


def on_shift_with_a_backup(harness: Harness, team: Team, *pair: str) -> tuple[int, int]:
    """A control for the pair, Douwe a second coordinator (the back-up), the jobs bound; the phones of
    Wytske (the coordinator) and Douwe."""
    control_day(harness, team, *pair)
    make_coordinator(harness, team, "Douwe")
    bind_jobs(harness)
    return team.phones["Wytske"], team.phones["Douwe"]


def alerts(harness: Harness) -> list[SafetyAlert]:
    with harness.database.transaction() as session:
        return list(session.execute(select(SafetyAlert).order_by(SafetyAlert.id)).scalars())


def test_the_shift_start_asks_one_to_check_in_and_both_to_check_out(harness: Harness, team: Team) -> None:
    control_day(harness, team, "Anna", "Bauke")
    bind_jobs(harness)
    anna, bauke = team.phones["Anna"], team.phones["Bauke"]

    async def scenario() -> None:
        assert jobs.sweep().safety_asks == 2
        assert jobs.sweep().safety_asks == 0  # a second run asks nobody twice
        await harness.deliver()

    harness.play(scenario)
    assert harness.to(anna)[0].text == "Je dienst begint: di 9 mrt 14:00-23:00."
    assert (
        "disable_notification" not in harness.to(anna)[0].params
        or not harness.to(anna)[0].params["disable_notification"]
    )
    assert labels(harness, anna) == [["We gaan naar binnen"], ["Veilig klaar"], ["Hulp nodig"]]
    assert labels(harness, bauke) == [["Veilig klaar"], ["Hulp nodig"]]
    assert harness.to(anna)[1].params["disable_notification"] is True  # the municipality goes silently


def test_with_veilig_klaar_nobody_is_alerted(harness: Harness, team: Team) -> None:
    control_day(harness, team, "Anna", "Bauke")
    bind_jobs(harness)
    anna, bauke, wytske = team.phones["Anna"], team.phones["Bauke"], team.phones["Wytske"]

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        await harness.press(anna, button(harness, anna, "We gaan naar binnen"))
        harness.clock.advance(END)
        await harness.press(anna, button(harness, anna, "Veilig klaar"))
        await harness.press(bauke, button(harness, bauke, "Veilig klaar"))
        harness.clock.advance(timedelta(hours=3))
        assert (jobs.sweep().safety_alerts, jobs.sweep().safety_climbs) == (0, 0)
        await harness.deliver()

    harness.play(scenario)
    assert harness.answers() == ["Genoteerd: naar binnen.", "Veilig klaar.", "Veilig klaar."]
    assert "Veilig klaar: genoteerd om 23:00. Dank je." in [c.text for c in harness.to(anna)]
    assert harness.to(wytske) == []
    assert alerts(harness) == []
    with harness.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SafetyCheckIn)) == 1


def test_a_missed_check_out_climbs_coordinator_backup_everyone_each_once(
    harness: Harness, team: Team
) -> None:
    control_day(harness, team, "Anna", "Bauke")
    make_coordinator(harness, team, "Douwe")  # the back-up: a second coordinator
    with harness.database.transaction() as session:  # Ciska is an admin with a phone
        session.add(
            WebUser(
                username="beheer",
                password_hash="x",
                role=Role.ADMIN,
                inspector_id=team.people["Ciska"],
                created_at=harness.clock.now(),
            )
        )
    bind_jobs(harness)
    anna, wytske, douwe, ciska = (team.phones[n] for n in ("Anna", "Wytske", "Douwe", "Ciska"))

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        harness.clock.advance(END)
        await harness.press(anna, button(harness, anna, "Veilig klaar"))
        harness.clock.advance(timedelta(minutes=29))
        assert jobs.sweep().safety_alerts == 0
        harness.clock.advance(timedelta(minutes=1))
        assert jobs.sweep().safety_alerts == 1
        assert jobs.sweep().safety_alerts == 0
        await harness.deliver()
        assert [c.text for c in harness.to(wytske)] == [
            "Niet afgemeld: dienst di 9 mrt tot 23:00.",
            "Bauke Testsma heeft zich niet veilig afgemeld. Dienst in Smallingerland (-), gepland tot 23:00 "
            "op di 9 mrt: 30 min geleden.",
        ]
        assert harness.to(wytske)[1].params["protect_content"] is True
        assert harness.to(douwe) == [] and harness.to(ciska) == []
        harness.clock.advance(timedelta(minutes=10))
        assert jobs.sweep().safety_climbs == 1
        assert jobs.sweep().safety_climbs == 0
        await harness.deliver()
        assert len(harness.to(wytske)) == 2 and len(harness.to(douwe)) == 2
        harness.clock.advance(timedelta(minutes=10))
        assert jobs.sweep().safety_climbs == 1
        harness.clock.advance(timedelta(hours=5))
        assert jobs.sweep().safety_climbs == 0  # at the top it stays open, until someone resolves it
        await harness.deliver()

    harness.play(scenario)
    assert [len(harness.to(p)) for p in (wytske, douwe, ciska)] == [4, 4, 2]  # everyone, at once, again
    assert not [c for c in harness.to(team.phones["Bauke"]) if "afgemeld" in c.text]  # the pair hears nothing
    (alert,) = alerts(harness)
    assert alert.stage is AlertStage.EVERYONE and alert.next_step_at is None and alert.resolved_at is None
    with harness.database.transaction() as session:
        assert [a.id for a in safety_ladder.open_alerts(session)] == [alert.id]


def test_the_first_to_take_owns_it_and_resolving_asks_what_happened(harness: Harness, team: Team) -> None:
    wytske, douwe = on_shift_with_a_backup(harness, team, "Anna", "Bauke")

    async def scenario() -> None:
        jobs.sweep()
        harness.clock.advance(END + timedelta(minutes=30))
        jobs.sweep()
        harness.clock.advance(timedelta(minutes=10))
        jobs.sweep()  # the back-up has it too now
        await harness.deliver()
        take = button(harness, douwe, "Ik pak dit op")
        await harness.press(douwe, take)
        await harness.press(wytske, button(harness, wytske, "Ik pak dit op"))
        await harness.deliver()
        await harness.press(douwe, button(harness, douwe, "Gebeld, alles goed"))
        await harness.press(douwe, AlertTap.decode(take).encode())  # type: ignore[union-attr]
        await harness.deliver()

    harness.play(scenario)
    assert harness.answers() == [
        "Jij pakt dit op.",
        "Iemand anders pakt dit al op.",
        "Afgehandeld.",
        "Iemand anders pakt dit al op.",
    ]
    assert harness.to(wytske, "editMessageText")[0].text == "Douwe Testsma pakt dit op."
    assert labels_of(harness.to(douwe, "editMessageText")[0]) == [
        ["Gebeld, alles goed"],
        ["Vergeten af te melden"],
        ["Hulp gestuurd (politie)"],
        ["Vals alarm"],
    ]
    assert harness.to(wytske, "editMessageText")[-1].text == (
        "Afgehandeld door Douwe Testsma: Gebeld, alles goed."
    )
    (alert,) = alerts(harness)
    assert alert.outcome is AlertOutcome.ALL_WELL and alert.taken_by == f"inspector:{team.people['Douwe']}"


def labels_of(call: object) -> list[list[str]]:
    return [[label for label, _ in row] for row in call.buttons]  # type: ignore[attr-defined]


def test_the_alarm_rings_the_coordinator_with_the_place_and_tells_the_colleague_nothing(
    harness: Harness, team: Team
) -> None:
    control_day(harness, team, "Anna", "Bauke")
    bind_jobs(harness)
    anna, bauke, wytske = team.phones["Anna"], team.phones["Bauke"], team.phones["Wytske"]

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        harness.clear()
        harness.clock.advance(timedelta(hours=2))
        await harness.press(anna, button_in(harness, anna, "Hulp nodig"))
        await harness.deliver()

    harness.play(scenario)
    assert harness.answers() == ["Alarm verstuurd."]
    ring, details = harness.to(wytske)
    assert ring.text == "ALARM: hulp nodig, dienst di 9 mrt 14:00-23:00."
    assert not ring.params.get("disable_notification")
    assert details.text.startswith("ALARM: Anna Testsma heeft hulp nodig, om 16:00. Dienst in Smallingerland")
    assert details.params["protect_content"] is True
    assert harness.to(bauke) == []
    assert [c.text for c in harness.to(anna)] == ["De coördinator is gewaarschuwd."]


def button_in(harness: Harness, phone: int, label: str) -> str:
    """The callback data of a safety button in the queued start message, as the sender will build it."""
    with harness.database.transaction() as session:
        payloads = (
            session.execute(select(OutboxMessage).where(OutboxMessage.ref.like("safety_start:%")))
            .scalars()
            .all()
        )
        for row in payloads:
            if row.chat_id == str(phone):
                queued = json.loads(row.payload)
                for line in keyboards.for_message(queued["template"], queued.get("about") or {}):
                    for made in line:
                        if made.label == {"Hulp nodig": "button.safety_help"}[label]:
                            return made.data.encode()
    raise AssertionError(label)


def test_the_code_word_looks_like_a_check_out_on_the_phone_and_raises_the_alarm(
    harness: Harness, team: Team
) -> None:
    control_day(harness, team, "Anna", "Bauke")
    bind_jobs(harness)
    anna, bauke, wytske = team.phones["Anna"], team.phones["Bauke"], team.phones["Wytske"]

    async def scenario() -> None:
        await harness.say(anna, "/codewoord")
        await harness.say(anna, "Zonnebloem")
        jobs.sweep()
        await harness.deliver()
        harness.clear()
        harness.clock.advance(END)
        await harness.say(anna, " zonnebloem ")
        await harness.press(
            bauke,
            button(harness, bauke, "Veilig klaar")
            if harness.to(bauke)
            else ShiftTap("out", assignment_of(harness, team, 1, "Bauke")).encode(),
        )
        await harness.deliver()

    harness.play(scenario)
    sent_to = {
        phone: [(c.text, c.params.get("disable_notification")) for c in harness.to(phone)]
        for phone in (anna, bauke)
    }
    assert sent_to[anna] == sent_to[bauke] == [("Veilig klaar: genoteerd om 23:00. Dank je.", True)]
    assert [c.text for c in harness.to(anna, "editMessageText")] == ["Dienst afgesloten."]
    assert len(harness.to(anna, "deleteMessage")) == 1  # the typed word left the chat
    assert harness.to(wytske)[0].text == "ALARM: dienst di 9 mrt 14:00-23:00."
    assert harness.to(wytske)[1].text.startswith("STIL ALARM: Anna Testsma meldde zich om 23:00 af")
    with harness.database.transaction() as session:
        payloads = session.execute(select(OutboxMessage.payload)).scalars().all()
    assert not [p for p in payloads if "onnebloem" in p]  # the word is nowhere, not even sealed
    assert [a.kind.value for a in alerts(harness)] == ["duress"]


def test_the_code_word_outside_a_shift_is_stray_text(harness: Harness, team: Team) -> None:
    anna = team.phones["Anna"]

    async def scenario() -> None:
        await harness.say(anna, "/codewoord")
        await harness.say(anna, "abc")  # too short: asked again
        await harness.say(anna, "zonnebloem")
        await harness.say(anna, "zonnebloem")
        await harness.deliver()

    harness.play(scenario)
    assert [c.text for c in harness.to(anna)][1:] == [
        "Dat codewoord kan niet: 4 tot 40 tekens, niet beginnend met /. Typ een ander.",
        "Codewoord bewaard. Alleen een versleutelde vingerafdruk wordt bewaard, nooit het woord.",
        "Ik begrijp alleen de knoppen en /rooster, /uren, /werk, /afwezig, /bevindingen, /codewoord "
        "en /taal.",
    ]
    assert len(harness.to(anna, "deleteMessage")) == 2  # both attempts left the chat
    assert alerts(harness) == []
    with harness.database.transaction() as session:
        (mark,) = session.execute(select(DuressWord.mark)).scalars()
    assert "zonnebloem" not in mark and len(mark) == 64


def test_forged_and_stale_safety_buttons_are_refused_clearly(harness: Harness, team: Team) -> None:
    shift_id = control_day(harness, team, "Anna", "Bauke")
    bind_jobs(harness)
    anna, bauke, ciska, wytske = (team.phones[n] for n in ("Anna", "Bauke", "Ciska", "Wytske"))
    annas = assignment_of(harness, team, shift_id, "Anna")

    async def scenario() -> None:
        jobs.sweep()
        await harness.press(bauke, ShiftTap("out", annas).encode())  # someone else's check-out
        await harness.press(bauke, "sf:o:abc")  # not one we made
        await harness.press(bauke, "sf:o:" + "9" * 60)
        harness.clock.advance(END + timedelta(minutes=30))
        jobs.sweep()
        (alert,) = alerts(harness)
        await harness.press(ciska, AlertTap(alert.id).encode())  # not a coordinator
        await harness.press(wytske, AlertTap(alert.id + 1).encode())  # no such alert
        await harness.press(wytske, AlertTap(alert.id, AlertOutcome.ALL_WELL).encode())  # not taken yet
        await harness.press(anna, AlertTap(alert.id, AlertOutcome.FALSE_ALARM).encode())

    harness.play(scenario)
    stale = "Deze veiligheidsknop geldt niet (niet van jou, of de dienst is voorbij)."
    not_theirs = "Alleen een coördinator of beheerder kan dit oppakken."
    forged = "Deze knop is niet meer geldig."  # not a button we make: refused as every forged one is
    assert harness.answers() == [stale, forged, forged, not_theirs, stale, stale, not_theirs]
    (alert,) = alerts(harness)
    assert alert.taken_at is None and alert.resolved_at is None
    with harness.database.transaction() as session:
        assert session.get_one(Assignment, annas) is not None


def test_the_risk_note_reaches_the_pair_silently_and_protected(harness: Harness, team: Team) -> None:
    shift_id = control_day(harness, team, "Anna", "Bauke", hours_ahead=2)
    bind_jobs(harness)
    anna = team.phones["Anna"]
    with harness.database.transaction() as session:
        safety.set_risk_note(
            session,
            harness.clock.now(),
            "coordinator",
            shift_id,
            "high",
            "Honden op het erf; politie gaat eerst naar binnen.",
        )

    async def scenario() -> None:
        await harness.deliver()
        harness.clock.advance(timedelta(hours=2))
        jobs.sweep()
        await harness.deliver()

    harness.play(scenario)
    note = next(c for c in harness.to(anna) if c.text.startswith("Risicoanalyse"))
    assert note.text.startswith("Risicoanalyse (politie): hoog risico\nHonden op het erf")
    assert note.params["protect_content"] is True and note.params["disable_notification"] is True
    assert sum(c.text.startswith("Risicoanalyse") for c in harness.to(anna)) == 1


def test_a_coordinator_on_the_shift_is_not_told_and_cannot_take_her_own_alert(
    harness: Harness, team: Team
) -> None:
    wytske, douwe = on_shift_with_a_backup(harness, team, "Wytske", "Bauke")

    async def scenario() -> None:
        jobs.sweep()
        harness.clock.advance(END + timedelta(minutes=30))
        jobs.sweep()
        await harness.deliver()
        (alert,) = alerts(harness)
        await harness.press(wytske, AlertTap(alert.id).encode())
        await harness.press(douwe, button(harness, douwe, "Ik pak dit op"))

    harness.play(scenario)
    assert harness.answers() == ["Alleen een coördinator of beheerder kan dit oppakken.", "Jij pakt dit op."]
    assert not [c for c in harness.to(wytske) if "afgemeld" in c.text]


def test_a_code_word_typed_after_the_command_leaves_the_chat_and_is_not_taken(
    harness: Harness, team: Team
) -> None:
    anna = team.phones["Anna"]

    async def scenario() -> None:
        await harness.say(anna, "/codewoord zonnebloem")
        await harness.deliver()

    harness.play(scenario)
    assert len(harness.to(anna, "deleteMessage")) == 1, "the command with the word left the chat"
    assert [c.text for c in harness.to(anna)][-1].startswith("Typ je eigen codewoord"), (
        "the next message is the word"
    )
    with harness.database.transaction() as session:
        assert session.execute(select(DuressWord.mark)).scalars().all() == []


def test_the_code_word_typed_while_oproep_waits_for_the_address_raises_the_alarm_not_a_call_out(
    harness: Harness, team: Team
) -> None:
    wytske, douwe = on_shift_with_a_backup(harness, team, "Wytske", "Bauke")

    async def scenario() -> None:
        await harness.say(wytske, "/codewoord")
        await harness.say(wytske, "Zonnebloem")
        jobs.sweep()
        await harness.deliver()
        await harness.say(wytske, "/oproep")
        await harness.deliver()
        for label in ("verzoek politie", "Smallingerland", "di 9 mrt", "16:00-01:00"):
            await harness.press(wytske, tap(harness, wytske, label))
            await harness.deliver()
        harness.clear()
        await harness.say(wytske, "zonnebloem")
        jobs.sweep()
        await harness.deliver()
        await harness.say(wytske, "Stationsweg 3, Drachten")
        await harness.deliver()

    harness.play(scenario)
    assert [a.kind.value for a in alerts(harness)] == ["duress"]
    assert any(c.text.startswith("STIL ALARM: Wytske") for c in harness.to(douwe)), "the back-up is rung"
    assert len(harness.to(wytske, "deleteMessage")) == 2, "the word and the address left the chat"
    texts = [c.text for c in harness.to(wytske)]
    assert texts[0] == "Veilig klaar: genoteerd om 14:00. Dank je.", "on her phone it looks like a check-out"
    assert texts[-1].startswith("Notities voor het koppel?"), "the walk took the address typed after the word"
    assert not any("onnebloem" in t for t in texts)


def test_at_the_top_each_phone_keeps_one_copy_and_taking_it_leaves_no_take_button_anywhere(
    harness: Harness, team: Team
) -> None:
    wytske, douwe = on_shift_with_a_backup(harness, team, "Anna", "Bauke")

    async def scenario() -> None:
        jobs.sweep()
        harness.clock.advance(END + timedelta(minutes=30))
        jobs.sweep()  # the coordinator
        harness.clock.advance(timedelta(minutes=10))
        jobs.sweep()  # the back-up
        harness.clock.advance(timedelta(minutes=10))
        jobs.sweep()  # everyone, again
        await harness.deliver()
        await harness.press(douwe, button(harness, douwe, "Ik pak dit op"))
        await harness.deliver()

    harness.play(scenario)
    sent = [c for c in harness.request.calls if c.method == "sendMessage"]
    message_id = {id(call): 1000 + number for number, call in enumerate(sent)}  # as the harness numbers them
    for phone in (wytske, douwe):
        takes = {
            message_id[id(c)]
            for c in harness.to(phone)
            if any(label == "Ik pak dit op" for row in c.buttons for label, _ in row)
        }
        assert len(takes) == 2, "the coordinator's or back-up's copy, and the copy that rang again at the top"
        gone = {int(c.params["message_id"]) for c in harness.to(phone, "deleteMessage")}
        edited = {int(c.params["message_id"]) for c in harness.to(phone, "editMessageText")}
        assert takes - gone - edited == set(), "no copy left with a button to take what is taken"
        assert len(takes & gone) == 1, "the older copy made way for the one that rang again"
