"""Hours after a shift: one tap when they are right, a few when not; the report writer's time;
corrections until the coordinator approves."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import jobs
from backend.models import HourCategory, HourEntry, Report
from backend.services import ledger
from tests.bot.conftest import Team, control_day
from tests.bot.harness import Harness
from tests.bot.test_reminders import bind_jobs


def entries(harness: Harness) -> list[HourEntry]:
    with harness.database.transaction() as session:
        found = list(session.scalars(select(HourEntry).order_by(HourEntry.id)))
        session.expunge_all()
        return found


def entries_in(session: Session) -> list[HourEntry]:
    return list(session.scalars(select(HourEntry).order_by(HourEntry.id)))


def ended_shift(harness: Harness, team: Team) -> int:
    shift_id = control_day(harness, team, "Anna", "Ciska")
    bind_jobs(harness)
    harness.clock.advance(timedelta(hours=9))
    return shift_id


def hours_message(harness: Harness, phone: int) -> list[list[tuple[str, str]]]:
    edits = [c for c in harness.to(phone, "editMessageText") if c.buttons]
    sent = [c for c in harness.to(phone) if c.text.startswith("De dienst") and c.buttons]
    return (edits or sent)[-1].buttons


def test_one_tap_records_the_planned_hours_split_over_the_allowance_bands(
    harness: Harness, team: Team
) -> None:
    ended_shift(harness, team)
    anna = team.phones["Anna"]

    async def scenario() -> None:
        assert jobs.sweep() == jobs.Swept(hour_prompts=2)
        assert jobs.sweep() == jobs.Swept()  # asked once only
        await harness.deliver()
        [ok], [fix] = hours_message(harness, anna)
        assert ok[0] == "14:00-23:00, 60 min pauze: klopt" and fix[0] == "Aanpassen"
        await harness.press(anna, ok[1])
        await harness.press(anna, ok[1])  # a second tap records nothing more
        await harness.deliver()

    harness.play(scenario)
    alert, prompt = [c for c in harness.to(anna) if c.text.startswith("De dienst")]
    assert alert.text == "De dienst van di 9 mrt is voorbij. Wil je je uren doorgeven?"
    assert prompt.text == "De dienst van di 9 mrt in Smallingerland is voorbij. Kloppen deze uren?"
    assert (alert.params["disable_notification"], prompt.params["disable_notification"]) == (False, True)
    assert harness.answers() == ["Genoteerd.", "Deze knop is niet meer geldig."]
    [entry] = entries(harness)
    assert (entry.category, entry.worked_minutes, entry.break_minutes) == (HourCategory.CONTROL, 480, 60)
    # Tuesday 14:00-23:00 with the break at 18:00-19:00: 4 h plain, 3 h at 20%, 1 h at 40%.
    assert (entry.plain_minutes, entry.weekday_20_minutes, entry.weekday_40_minutes) == (240, 180, 60)
    assert harness.to(anna, "editMessageText")[-1].text == (
        "Genoteerd voor di 9 mrt: 14:00-23:00, 60 min pauze, 8:00 uur. "
        "Je kunt dit aanpassen tot de coördinator het goedkeurt."
    )


def test_a_correction_step_by_step_then_again_before_approval(harness: Harness, team: Team) -> None:
    ended_shift(harness, team)
    ciska = team.phones["Ciska"]

    def tap(label: str) -> str:
        return next(data for row in hours_message(harness, ciska) for shown, data in row if shown == label)

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        for label in ("Aanpassen", "14:30", "23:30", "30 min", "Klopt"):
            await harness.press(ciska, tap(label))
            await harness.deliver()
        assert [e.worked_minutes for e in entries(harness)] == [510]
        for label in ("Aanpassen", "14:00", "23:00", "60 min", "Klopt"):
            await harness.press(ciska, tap(label))
            await harness.deliver()

    harness.play(scenario)
    texts = [c.text for c in harness.to(ciska, "editMessageText")]
    assert texts[:4] == [
        "di 9 mrt: hoe laat begon je?",
        "di 9 mrt: begonnen om 14:30. Hoe laat was je klaar?",
        "di 9 mrt: 14:30-23:30. Hoe lang was je pauze?",
        "di 9 mrt: 14:30-23:30, 30 min pauze, 8:30 uur gewerkt. Klopt dit?",
    ]
    first, reversal, second = entries(harness)
    assert reversal.reverses_id == first.id and reversal.worked_minutes == -510
    assert second.worked_minutes == 480
    assert sum(e.worked_minutes for e in (first, reversal, second)) == 480


def test_after_approval_only_the_coordinator_can_correct(harness: Harness, team: Team) -> None:
    ended_shift(harness, team)
    anna = team.phones["Anna"]

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        await harness.press(anna, hours_message(harness, anna)[0][0][1])
        await harness.deliver()
        with harness.database.transaction() as session:
            ledger.approve(session, harness.clock.now(), "web:coordinator", entries(harness)[0].id)
        for label in ("Aanpassen", "15:00", "23:00", "60 min", "Klopt"):
            data = next(d for row in hours_message(harness, anna) for shown, d in row if shown == label)
            await harness.press(anna, data)
            await harness.deliver()

    harness.play(scenario)
    assert harness.answers()[-1] == "Deze uren zijn al goedgekeurd; vraag de coördinator om een correctie."
    assert [e.worked_minutes for e in entries(harness)] == [480]


def test_forged_hour_buttons_change_nothing(harness: Harness, team: Team) -> None:
    ended_shift(harness, team)
    anna, ciska = team.phones["Anna"], team.phones["Ciska"]

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        ok = hours_message(harness, anna)[0][0][1]
        assignment, version = ok.split(":")[1:3]
        await harness.press(ciska, ok)  # someone else's button
        await harness.press(anna, f"h:{assignment}:{version}:-600:0:60:ok")  # a start never offered
        await harness.press(anna, f"h:{assignment}:{version}:0:0:75:ok")  # a break never offered
        await harness.press(anna, f"h:{assignment}:{version}:0:0:ok")  # a step missing
        await harness.press(anna, "h:1:1:ok:ok")

    harness.play(scenario)
    assert harness.answers() == ["Deze knop is niet meer geldig."] * 5
    assert entries(harness) == []


def test_the_trained_inspector_writes_the_report_and_logs_its_time(harness: Harness, team: Team) -> None:
    shift_id = ended_shift(harness, team)
    anna, ciska = team.phones["Anna"], team.phones["Ciska"]

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        harness.clock.advance(timedelta(hours=12))
        [ask] = [c for c in harness.to(anna) if c.text.startswith("Jij schrijft") and c.buttons]
        assert [label for row in ask.buttons for label, _ in row] == [
            "0:30", "1:00", "1:30", "2:00", "3:00", "4:00"]
        await harness.press(ciska, ask.buttons[0][2][1])  # not hers to log
        await harness.press(anna, ask.buttons[0][2][1])
        await harness.deliver()

    harness.play(scenario)
    assert not [c for c in harness.to(ciska) if c.text.startswith("Jij schrijft")]
    [entry] = entries(harness)
    assert (entry.category, entry.worked_minutes, entry.shift_id) == (HourCategory.REPORT, 90, shift_id)
    assert entry.ends_at == harness.clock.now()
    with harness.database.transaction() as session:
        report = session.scalars(select(Report)).one()
        assert report.status.value == "written" and report.writer_id == team.people["Anna"]
    recorded = harness.to(anna, "editMessageText")[-1]
    assert recorded.text == "Rapport van di 9 mrt: 1:30 uur genoteerd. Dank je."


def test_hours_on_a_day_without_an_ort_table_are_not_booked_and_the_buttons_stay(
    harness: Harness, team: Team
) -> None:
    # Tuesday 4 January 2028: the agreement after 2027 has no table yet.
    harness.clock.set(datetime(2028, 1, 4, 13, 0, tzinfo=UTC))
    ended_shift(harness, team)
    anna = team.phones["Anna"]

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        [ok], _ = hours_message(harness, anna)
        await harness.press(anna, ok[1])
        await harness.deliver()
        await harness.press(anna, ok[1])  # the same button, still valid, refused the same way
        [ask] = [c for c in harness.to(anna) if c.text.startswith("Jij schrijft") and c.buttons]
        await harness.press(anna, ask.buttons[0][2][1])  # the report's time, the same day

    harness.play(scenario)
    refusal = ("Deze uren kunnen nog niet worden geboekt: voor die dag is geen ORT-tabel ingesteld. "
               "Meld het de coördinator; deze knoppen blijven werken.")
    assert harness.answers() == [refusal, refusal, refusal]
    assert entries(harness) == []


def test_a_correction_in_the_bot_waits_as_one_line_and_approving_it_counts_the_corrected_hours(
    harness: Harness, team: Team
) -> None:
    ended_shift(harness, team)
    ciska = team.phones["Ciska"]

    def tap(label: str) -> str:
        return next(data for row in hours_message(harness, ciska) for shown, data in row if shown == label)

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        for label in ("Aanpassen", "14:00", "23:00", "60 min", "Klopt",
                      "Aanpassen", "14:00", "23:00", "45 min", "Klopt"):
            await harness.press(ciska, tap(label))
            await harness.deliver()

    harness.play(scenario)
    first, _, second = entries(harness)
    assert second.replaces_id == first.id and second.worked_minutes == 495
    with harness.database.transaction() as session:
        lines = ledger.pending(session)
        assert [line.entry.id for line in lines] == [second.id], "the coordinator sees the corrected version"
        ledger.approve_many(session, harness.clock.now(), "web:coordinator", [second.id])
    with harness.database.transaction() as session:
        approved = [e for e in entries_in(session) if ledger.is_approved(session, e.id)]
    assert len(approved) == 3 and sum(e.worked_minutes for e in approved) == 495, "not the difference of 15"
