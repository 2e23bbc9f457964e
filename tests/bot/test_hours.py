"""Hours after a shift: one tap when they are right, a few when not; the report writer's time;
corrections until the coordinator approves."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import jobs
from backend.models import HourCategory, HourEntry, Report
from backend.services import ledger
from scheduling.calendar import team_zone
from tests.bot.conftest import Team, control_day
from tests.bot.harness import Harness
from tests.support.bot import bind_jobs, hours_message, tap_through


def entries(harness: Harness) -> list[HourEntry]:
    with harness.database.transaction() as session:
        found = list(session.scalars(select(HourEntry).order_by(HourEntry.id)))
        session.expunge_all()
        return found


def breaks(entry: HourEntry) -> list[tuple[str, str]]:
    return [
        (f"{b.starts_at.astimezone(team_zone()):%H:%M}", f"{b.ends_at.astimezone(team_zone()):%H:%M}")
        for b in entry.breaks
    ]


def entries_in(session: Session) -> list[HourEntry]:
    return list(session.scalars(select(HourEntry).order_by(HourEntry.id)))


def ended_shift(harness: Harness, team: Team) -> int:
    shift_id = control_day(harness, team, "Anna", "Ciska")
    bind_jobs(harness)
    harness.clock.advance(timedelta(hours=9))
    return shift_id


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
        assert ok[0] == "14:00-23:00, pauze 18:00-19:00: klopt" and fix[0] == "Aanpassen"
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
    # Tuesday 14:00-23:00 with the break at 18:00-19:00, as shown: 4 h plain, 3 h at 20%, 1 h at 40%.
    assert (entry.plain_minutes, entry.weekday_20_minutes, entry.weekday_40_minutes) == (240, 180, 60)
    assert breaks(entry) == [("18:00", "19:00")]
    assert harness.to(anna, "editMessageText")[-1].text == (
        "Genoteerd voor di 9 mrt: 14:00-23:00, pauze 18:00-19:00, 8:00 uur. "
        "Je kunt dit aanpassen tot de coördinator het goedkeurt."
    )


def test_a_correction_step_by_step_then_again_before_approval(harness: Harness, team: Team) -> None:
    ended_shift(harness, team)
    ciska = team.phones["Ciska"]

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        await tap_through(
            harness, ciska, ("Aanpassen", "14:30", "23:30", "Anders", "16:00", "30 min", "Klopt")
        )
        assert [e.worked_minutes for e in entries(harness)] == [510]
        await tap_through(harness, ciska, ("Aanpassen", "14:00", "23:00", "Pauze 18:00-19:00 ✓", "Klopt"))

    harness.play(scenario)
    texts = [c.text for c in harness.to(ciska, "editMessageText")]
    assert texts[:6] == [
        "di 9 mrt: hoe laat begon je?",
        "di 9 mrt: begonnen om 14:30. Hoe laat was je klaar?",
        "di 9 mrt: 14:30-23:30. Wanneer was je pauze?",
        "di 9 mrt: 14:30-23:30. Hoe laat begon je pauze?",
        "di 9 mrt: pauze vanaf 16:00. Hoe lang duurde die?",
        "di 9 mrt: 14:30-23:30, pauze 16:00-16:30, 8:30 uur gewerkt. Klopt dit?",
    ]
    first, reversal, second = entries(harness)
    assert breaks(first) == [("16:00", "16:30")] and breaks(second) == [("18:00", "19:00")]
    assert reversal.reverses_id == first.id and reversal.worked_minutes == -510
    assert second.worked_minutes == 480
    assert sum(e.worked_minutes for e in (first, reversal, second)) == 480


def test_a_break_taken_at_16_is_booked_at_16_in_a_few_taps(harness: Harness, team: Team) -> None:
    ended_shift(harness, team)
    anna = team.phones["Anna"]
    seen = []

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        for label in ("Aanpassen", "14:00", "23:00", "Anders", "16:00", "60 min", "Klopt"):
            seen.append([[shown for shown, _ in row] for row in hours_message(harness, anna)])
            data = next(d for row in hours_message(harness, anna) for shown, d in row if shown == label)
            await harness.press(anna, data)
            await harness.deliver()

    harness.play(scenario)
    assert seen[3] == [["Pauze 18:00-19:00 ✓"], ["Geen pauze"], ["Anders"]]
    assert seen[4] == [
        ["14:30", "15:00", "15:30", "16:00"],
        ["16:30", "17:00", "17:30", "18:00"],
        ["18:30", "19:00", "19:30", "20:00"],
        ["20:30", "21:00", "21:30", "22:00"],
        ["22:30"],
    ]
    assert seen[5] == [["15 min", "30 min", "45 min", "60 min"], ["90 min", "120 min"]]
    [entry] = entries(harness)
    assert breaks(entry) == [("16:00", "17:00")] and entry.worked_minutes == 480
    # The hour at 20% between 18:00 and 19:00 is worked, and paid: 3 h plain, 4 h at 20%, 1 h at 40%.
    assert (entry.plain_minutes, entry.weekday_20_minutes, entry.weekday_40_minutes) == (180, 240, 60)


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
        for label in ("Aanpassen", "15:00", "23:00", "Geen pauze", "Klopt"):
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
        await harness.press(anna, f"h:{assignment}:{version}:-600:0:240:60:ok")  # a start never offered
        await harness.press(anna, f"h:{assignment}:{version}:0:0:240:75:ok")  # a length never offered
        await harness.press(anna, f"h:{assignment}:{version}:0:0:245:60:ok")  # a break start never offered
        await harness.press(anna, f"h:{assignment}:{version}:0:0:510:60:ok")  # a break past the end
        await harness.press(anna, f"h:{assignment}:{version}:0:0:240:ok")  # a step missing
        await harness.press(anna, f"h:{assignment}:{version}:0:0:a:ok")  # no break start picked
        await harness.press(anna, "h:1:1:ok:ok")

    harness.play(scenario)
    assert harness.answers() == ["Deze knop is niet meer geldig."] * 8
    assert entries(harness) == []


def report_buttons(harness: Harness, phone: int) -> list[list[tuple[str, str]]]:
    edits = [c for c in harness.to(phone, "editMessageText") if c.text.startswith("Rapport")]
    return (edits or [c for c in harness.to(phone) if c.text.startswith("Jij schrijft")])[-1].buttons


def local_span(entry: HourEntry) -> tuple[str, str]:
    return (
        f"{entry.starts_at.astimezone(team_zone()):%a %d %H:%M}",
        f"{entry.ends_at.astimezone(team_zone()):%a %d %H:%M}",
    )


def test_the_trained_inspector_writes_the_report_and_logs_its_time(harness: Harness, team: Team) -> None:
    shift_id = ended_shift(harness, team)
    anna, ciska = team.phones["Anna"], team.phones["Ciska"]
    seen = []

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        harness.clock.advance(timedelta(hours=12))  # Wednesday 11:00
        [ask] = [c for c in harness.to(anna) if c.text.startswith("Jij schrijft") and c.buttons]
        assert [label for row in ask.buttons for label, _ in row] == [
            "0:30",
            "1:00",
            "1:30",
            "2:00",
            "3:00",
            "4:00",
        ]
        await harness.press(ciska, ask.buttons[0][2][1])  # not hers to log
        await harness.press(anna, ask.buttons[0][2][1])
        await harness.deliver()
        seen.append(report_buttons(harness, anna))
        await harness.press(anna, seen[-1][0][0][1])
        await harness.deliver()

    harness.play(scenario)
    assert not [c for c in harness.to(ciska) if c.text.startswith("Jij schrijft")]
    assert harness.to(anna, "editMessageText")[0].text == (
        "Rapport van di 9 mrt, 1:30: wanneer schreef je het?"
    )
    assert [[label for label, _ in row] for row in seen[0]] == [["wo 10 mrt 09:00-10:30 ✓"], ["Anders"]]
    [entry] = entries(harness)
    assert (entry.category, entry.worked_minutes, entry.shift_id) == (HourCategory.REPORT, 90, shift_id)
    assert local_span(entry) == ("Wed 10 09:00", "Wed 10 10:30")
    with harness.database.transaction() as session:
        report = session.scalars(select(Report)).one()
        assert report.status.value == "written" and report.writer_id == team.people["Anna"]
    recorded = harness.to(anna, "editMessageText")[-1]
    assert recorded.text == (
        "Rapport van di 9 mrt: 1:30 uur genoteerd, geschreven wo 10 mrt 09:00-10:30. Dank je."
    )


def log_report(harness: Harness, team: Team, after: timedelta, *labels: str) -> list[list[str]]:
    """The writer logs the report `after` the end of the control, tapping these labels in turn."""
    ended_shift(harness, team)
    anna = team.phones["Anna"]
    seen = []

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        harness.clock.advance(after)
        for label in labels:
            rows = report_buttons(harness, anna)
            seen.append([shown for row in rows for shown, _ in row])
            await harness.press(anna, next(d for row in rows for shown, d in row if shown == label))
            await harness.deliver()

    harness.play(scenario)
    return seen


def test_a_report_written_next_morning_and_logged_in_the_evening_is_booked_in_the_morning(
    harness: Harness, team: Team
) -> None:
    log_report(harness, team, timedelta(hours=21), "3:00", "wo 10 mrt 09:00-12:00 ✓")  # tapped at 20:00
    [entry] = entries(harness)
    assert local_span(entry) == ("Wed 10 09:00", "Wed 10 12:00")
    # Ending at the tap it was 17:00-20:00, two hours of it at 20%; written in the morning it is plain.
    assert (entry.plain_minutes, entry.weekday_20_minutes, entry.worked_minutes) == (180, 0, 180)


def test_the_writer_picks_another_day_and_hour(harness: Harness, team: Team) -> None:
    seen = log_report(
        harness,
        team,
        timedelta(days=3, hours=-3),  # Friday 20:00
        "1:30",
        "Anders",
        "do 11 mrt",
        "13:00",
    )
    assert seen[2] == ["wo 10 mrt", "do 11 mrt", "vr 12 mrt"]  # nothing fits after 23:00 on the day itself
    assert seen[3][0] == "07:00" and seen[3][-1] == "22:00" and len(seen[3]) == 16
    [entry] = entries(harness)
    assert local_span(entry) == ("Thu 11 13:00", "Thu 11 14:30")
    assert harness.answers()[-1] == "Genoteerd."


def test_a_report_logged_the_same_night_ends_at_the_tap_and_cannot_be_longer(
    harness: Harness, team: Team
) -> None:
    seen = log_report(harness, team, timedelta(minutes=40), "1:30", "0:30", "di 9 mrt 23:10-23:40 ✓")
    assert harness.answers()[0] == (
        "Dat is langer dan de tijd sinds het einde van de controle. Tik aan hoe lang het duurde als het "
        "rapport klaar is."
    )
    assert seen[2] == ["di 9 mrt 23:10-23:40 ✓", "Anders"]
    [entry] = entries(harness)
    assert local_span(entry) == ("Tue 09 23:10", "Tue 09 23:40")


def test_forged_report_buttons_change_nothing(harness: Harness, team: Team) -> None:
    ended_shift(harness, team)
    anna = team.phones["Anna"]

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        harness.clock.advance(timedelta(hours=12))  # Wednesday 11:00
        report = report_buttons(harness, anna)[0][0][1].split(":")[1]
        for forged in (
            f"r:{report}:45",
            f"r:{report}:90:1:600",  # a duration never offered; ends after now
            f"r:{report}:90:0:1200",
            f"r:{report}:90:9",
            f"r:{report}:90:a:1",
        ):  # before the end
            await harness.press(anna, forged)

    harness.play(scenario)
    assert harness.answers() == ["Deze knop is niet meer geldig."] * 5
    assert entries(harness) == []


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
        harness.clock.advance(timedelta(hours=12))  # Wednesday 11:00
        [ask] = [c for c in harness.to(anna) if c.text.startswith("Jij schrijft") and c.buttons]
        await harness.press(anna, ask.buttons[0][2][1])  # the report's time: 1:30
        await harness.deliver()
        await harness.press(anna, report_buttons(harness, anna)[0][0][1])  # written Wednesday 09:00

    harness.play(scenario)
    refusal = (
        "Deze uren kunnen nog niet worden geboekt: voor die dag is geen ORT-tabel ingesteld. "
        "Meld het de coördinator; deze knoppen blijven werken."
    )
    assert harness.answers() == [refusal, refusal, "OK.", refusal]
    assert entries(harness) == []


def test_a_correction_in_the_bot_waits_as_one_line_and_approving_it_counts_the_corrected_hours(
    harness: Harness, team: Team
) -> None:
    ended_shift(harness, team)
    ciska = team.phones["Ciska"]

    async def scenario() -> None:
        jobs.sweep()
        await harness.deliver()
        await tap_through(
            harness,
            ciska,
            (
                "Aanpassen",
                "14:00",
                "23:00",
                "Pauze 18:00-19:00 ✓",
                "Klopt",
                "Aanpassen",
                "14:00",
                "23:00",
                "Anders",
                "18:00",
                "45 min",
                "Klopt",
            ),
        )

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
