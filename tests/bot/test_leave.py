"""/afwezig: an inspector marks days off in a few taps, sees them and removes them; quietly."""

from __future__ import annotations

from sqlalchemy import select

from backend.models import Unavailability
from tests.bot.conftest import Team, control_day
from tests.bot.harness import Harness
from tests.support.bot import mark_days_off, tap


def test_an_inspector_marks_days_off_in_five_taps_with_a_reason_kept(harness: Harness, team: Team) -> None:
    ciska = team.phones["Ciska"]

    async def scenario() -> None:
        await mark_days_off(harness, ciska, "wo 10 mrt", "vr 12 mrt", "Verlof")

    harness.play(scenario)
    [menu] = harness.to(ciska)
    assert menu.text == "Je hebt geen afwezigheid opgegeven. Geef dagen op met de knop."
    assert menu.params["disable_notification"] is True
    edits = [c.text for c in harness.to(ciska, "editMessageText")]
    assert edits == [
        "Afwezig: vanaf welke dag?",
        "Afwezig vanaf wo 10 mrt: tot en met welke dag?",
        "Afwezig wo 10 mrt t/m vr 12 mrt. Een reden? Alleen jij en de coördinator zien die.",
        "Genoteerd: afwezig wo 10 mrt t/m vr 12 mrt. Je wordt dan niet voor diensten gevraagd.",
    ]
    assert harness.answers()[-1] == "Gedaan."
    with harness.database.transaction() as session:
        [row] = session.scalars(select(Unavailability)).all()
        assert (row.inspector_id, row.reason, row.created_by) == (
            team.people["Ciska"],
            "leave",
            f"inspector:{team.people['Ciska']}",
        )


def test_the_days_screen_pages_on_to_later_weeks(harness: Harness, team: Team) -> None:
    anna = team.phones["Anna"]

    async def scenario() -> None:
        await harness.say(anna, "/afwezig")
        await harness.deliver()
        await harness.press(anna, tap(harness, anna, "Afwezigheid opgeven"))
        await harness.deliver()
        await harness.press(anna, tap(harness, anna, "Later →"))
        await harness.deliver()

    harness.play(scenario)
    *_, later = harness.to(anna, "editMessageText")
    assert later.buttons[0][0][0] == "di 23 mrt"


def test_marking_days_while_on_a_shift_says_so(harness: Harness, team: Team) -> None:
    control_day(harness, team, "Anna", "Ciska", hours_ahead=24)
    ciska = team.phones["Ciska"]

    async def scenario() -> None:
        await mark_days_off(harness, ciska, "wo 10 mrt", "wo 10 mrt", "Geen reden")

    harness.play(scenario)
    assert harness.to(ciska, "editMessageText")[-1].text.startswith(
        "Genoteerd: afwezig wo 10 mrt t/m wo 10 mrt. Je staat in die periode nog op 1 dienst(en)"
    )
    with harness.database.transaction() as session:
        assert session.scalars(select(Unavailability.reason)).one() is None


def test_the_menu_lists_own_days_off_and_one_is_removed_with_its_button(harness: Harness, team: Team) -> None:
    ciska, douwe = team.phones["Ciska"], team.phones["Douwe"]

    async def scenario() -> None:
        await mark_days_off(harness, ciska, "wo 10 mrt", "vr 12 mrt", "Opleiding")
        harness.clear()
        await harness.say(ciska, "/afwezig")
        await harness.deliver()
        remove = tap(harness, ciska, "Verwijder wo 10 mrt t/m vr 12 mrt")
        await harness.press(douwe, remove)  # someone else's button does nothing
        await harness.press(ciska, remove)
        await harness.press(ciska, remove)  # again: gone
        await harness.deliver()

    harness.play(scenario)
    menu = harness.to(ciska)[0]
    assert menu.text.startswith("Je opgegeven afwezigheid:\nwo 10 mrt t/m vr 12 mrt")
    assert menu.params["protect_content"] is True
    assert harness.to(ciska, "editMessageText")[-1].text == (
        "Verwijderd. Je kunt op die dagen weer voor diensten gevraagd worden."
    )
    stale = "Deze knop is niet meer geldig."
    assert harness.answers() == [stale, "Gedaan.", stale]
    with harness.database.transaction() as session:
        assert session.scalars(select(Unavailability)).all() == []


def test_forged_or_out_of_range_taps_change_nothing(harness: Harness, team: Team) -> None:
    anna = team.phones["Anna"]

    async def scenario() -> None:
        for data in (
            "l:n:20270301",
            "l:n:20270312:20270310",
            "l:n:20270312:20270313:holiday",
            "l:n:20270231",
            "l:n:p99",
            "l:x:abc",
            "l:q",
            "l:n:20270312:20270313:leave:x",
        ):
            await harness.press(anna, data)

    harness.play(scenario)
    assert set(harness.answers()) == {"Deze knop is niet meer geldig."}
    with harness.database.transaction() as session:
        assert session.scalars(select(Unavailability)).all() == []


def test_a_stranger_gets_the_neutral_sentence(harness: Harness, team: Team) -> None:
    async def scenario() -> None:
        await harness.say(555, "/afwezig")

    harness.play(scenario)
    assert [c.text for c in harness.to(555)] == ["Deze link kan niet worden gebruikt."]
