"""/werk: an inspector books preparation, training or peer review in a few taps; only the coordinator
is offered coordination; a second tap on "correct" books nothing twice."""

from sqlalchemy import select

from backend.models import HourCategory, HourEntry
from tests.bot.conftest import Team
from tests.bot.harness import Harness


def buttons(harness: Harness, phone: int) -> list[list[tuple[str, str]]]:
    edits = [c for c in harness.to(phone, "editMessageText") if c.buttons]
    return (edits or [c for c in harness.to(phone) if c.buttons])[-1].buttons


async def tap(harness: Harness, phone: int, label: str) -> None:
    await harness.press(
        phone, next(data for row in buttons(harness, phone) for shown, data in row if shown == label)
    )
    await harness.deliver()


def booked(harness: Harness) -> list[tuple[HourCategory, int, int, str]]:
    with harness.database.transaction() as session:
        return [
            (e.category, e.worked_minutes, e.plain_minutes, e.entered_by)
            for e in session.scalars(select(HourEntry).order_by(HourEntry.id))
        ]


def test_an_inspector_books_training_of_this_morning_in_a_few_taps(harness: Harness, team: Team) -> None:
    anna = team.phones["Anna"]

    async def scenario() -> None:
        await harness.say(anna, "/werk")
        await harness.deliver()
        assert [row[0][0] for row in buttons(harness, anna)] == ["voorbereiding", "scholing", "intervisie"]
        for label in ("scholing", "di 9 mrt", "09:00", "3:00"):
            await tap(harness, anna, label)
        check = harness.to(anna, "editMessageText")[-1]
        assert check.text == "De scholing van di 9 mrt, 09:00-12:00: 3:00 uur. Klopt dat?"
        confirm = buttons(harness, anna)[0][0][1]
        await harness.press(anna, confirm)
        await harness.press(anna, confirm)  # a second tap books nothing more
        await harness.deliver()

    harness.play(scenario)
    assert booked(harness) == [(HourCategory.TRAINING, 180, 180, f"inspector:{team.people['Anna']}")]
    assert harness.answers()[-2:] == ["Genoteerd.", "Deze uren overlappen al geboekte uren."]
    done = harness.to(anna, "editMessageText")[-1]
    assert done.text.startswith("Geboekt: de scholing van di 9 mrt, 09:00-12:00, 3:00 uur.")
    sent = harness.to(anna)
    assert sent and all(c.params["disable_notification"] for c in sent), "nothing rings"


def test_only_the_coordinator_is_offered_coordination_and_a_forged_tap_is_refused(
    harness: Harness, team: Team
) -> None:
    wytske, anna = team.phones["Wytske"], team.phones["Anna"]

    async def scenario() -> None:
        await harness.say(wytske, "/werk")
        await harness.deliver()
        assert "coördinatie" in [row[0][0] for row in buttons(harness, wytske)]
        await harness.press(anna, "w:c")  # coordination is not Anna's
        await harness.press(anna, "w:t:0:23")  # an hour that was not offered (still ahead)
        await harness.press(anna, "w:t:0:9:120")  # no "ok": only the check is shown
        await harness.deliver()

    harness.play(scenario)
    assert harness.answers() == ["Deze knop is niet meer geldig.", "Deze knop is niet meer geldig.", "OK."]
    assert booked(harness) == []


def test_a_report_sent_back_reaches_its_writer_silently_and_logging_the_time_again_rewrites_it(
    harness: Harness, team: Team
) -> None:
    from datetime import timedelta

    from backend.models import Report, ReportStatus, Shift, ShiftKind
    from backend.services import reports

    anna = team.phones["Anna"]
    now = harness.clock.now()
    with harness.database.transaction() as session:
        shift = Shift(
            kind=ShiftKind.CONTROL,
            municipality_id=team.smallingerland,
            starts_at=now - timedelta(days=3),
            ends_at=now - timedelta(days=3, hours=-9),
            created_at=now,
        )
        session.add(shift)
        session.flush()
        report = Report(shift_id=shift.id, writer_id=team.people["Anna"], status=ReportStatus.WRITTEN)
        session.add(report)
        session.flush()
        report_id = report.id
        reports.send_back(session, now, "web:coordinator", report_id, "Het tweede adres ontbreekt")

    async def scenario() -> None:
        await harness.deliver()
        await harness.press(anna, buttons(harness, anna)[0][1][1])  # 1:00
        await harness.deliver()
        await harness.press(anna, buttons(harness, anna)[0][0][1])  # the usual morning
        await harness.deliver()

    harness.play(scenario)
    [told] = [c for c in harness.to(anna) if "terug" in c.text]
    assert told.text.startswith(
        "De coördinator stuurt het rapport van za 6 mrt terug: Het tweede adres ontbreekt"
    )
    assert told.params["disable_notification"] and told.params["protect_content"]
    with harness.database.transaction() as session:
        assert session.get_one(Report, report_id).status is ReportStatus.WRITTEN
