"""The chat protocol: typed callback data that encodes to the strings phones already carry, and
refuses anything forged without a crash."""

import json

import pytest
from sqlalchemy import select

from backend.models import Offer, OutboxMessage
from bot import callbacks
from bot.callbacks import (
    CalloutAction,
    ControlAnswer,
    DraftStep,
    FindingsStep,
    HoursStep,
    LeaveStep,
    OfferAnswer,
    ReportStep,
    WorkStep,
)
from bot.keyboards import for_message
from tests.bot.conftest import Team
from tests.bot.harness import Harness
from tests.support.bot import create

# Strings as buttons sent before the typed data existed carry them, with the value each means.
WIRE = [
    ("o:12:3:a", OfferAnswer(12, 3, accept=True)),
    ("o:12:3:d", OfferAnswer(12, 3, accept=False)),
    ("c:7:2:w", CalloutAction(7, 2, "widen")),
    ("c:7:2:x", CalloutAction(7, 2, "cancel")),
    ("c:7:2:d", CalloutAction(7, 2, "choose")),
    ("c:7:2:p41", CalloutAction(7, 2, "assign", 41)),
    ("a:5:1:y", ControlAnswer(5, 1, can_go=True)),
    ("a:5:1:n", ControlAnswer(5, 1, can_go=False)),
    ("h:9:4:ok", HoursStep(9, 4, ("ok",))),
    ("h:9:4:-15:30:240:60:ok", HoursStep(9, 4, ("-15", "30", "240", "60", "ok"))),
    ("r:3:90", ReportStep(3, 90)),
    ("r:3:90:a", ReportStep(3, 90, ("a",))),
    ("r:3:90:1:540", ReportStep(3, 90, ("1", "540"))),
    ("w:t", WorkStep("t")),
    ("w:t:0:9:120:ok", WorkStep("t", ("0", "9", "120", "ok"))),
    ("n:mma:4:20270310:14", DraftStep(("mma", "4", "20270310", "14"))),
    ("n:go", DraftStep(("go",))),
    ("l:n:20270312:20270313:leave", LeaveStep(("n", "20270312", "20270313", "leave"))),
    ("l:x:8", LeaveStep(("x", "8"))),
    ("f:11", FindingsStep(11)),
    ("f:11:p5:", FindingsStep(11, ("p5", ""))),
    ("f:11:a0:ov3sx.n:ok", FindingsStep(11, ("a0", "ov3sx.n", "ok"))),
]

FORGED = [
    "",
    "o",
    "o:",
    "o:1:1",
    "o:1:1:x",
    "o:1:1:a:",
    "o:1:1:a\n",
    "o:-1:1:a",
    "o:1:1234567:a",
    "o:١:1:a",
    "c:1:1:p",
    "c:1:1:q",
    "c:1:1:pp1",
    "a:1:1:maybe",
    "h:1:1:",
    "h:1:1:OK",
    "r:1:90:b",
    "r:1:90:1:2:3",
    "w:",
    "w:tt",
    "n:",
    "n:GO",
    "l:",
    "l:n;1",
    "f:",
    "f:1:p0:v:ok:x",
    "x:1:1:a",
    "ö:1:1:a",
    "o:1:1:a" * 10,
]


@pytest.mark.parametrize(("data", "value"), WIRE)
def test_each_kind_reads_the_strings_phones_carry_and_writes_them_back_the_same(
    data: str, value: callbacks.CallbackData
) -> None:
    assert type(value).decode(data) == value  # type: ignore[attr-defined]
    assert value.encode() == data


@pytest.mark.parametrize("data", [data for data, _ in WIRE])
def test_a_string_belongs_to_one_kind_only(data: str) -> None:
    assert len([kind for kind in callbacks.KINDS if kind.PATTERN.match(data)]) == 1


@pytest.mark.parametrize("data", FORGED)
def test_forged_data_decodes_to_nothing_for_every_kind(data: str) -> None:
    assert [kind.__name__ for kind in callbacks.KINDS if kind.decode(data) is not None] == []


def test_data_longer_than_telegram_allows_is_refused_when_made() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        FindingsStep(1, ("a0", ".".join(["ov12sx"] * 12))).encode()


def test_an_inspector_goes_with_assign_only() -> None:
    with pytest.raises(ValueError):
        CalloutAction(1, 1, "assign")
    with pytest.raises(ValueError):
        CalloutAction(1, 1, "widen", 4)


def test_a_service_message_gets_the_buttons_of_its_template_and_one_without_about_none() -> None:
    [[accept, decline]] = for_message("offer.details", {"offer": 12, "version": 3})
    assert (accept.as_json()[1], decline.as_json()[1]) == ("o:12:3:a", "o:12:3:d")
    assert for_message("offer.details", {}) == []
    assert for_message("offer.declined", {"offer": 12, "version": 3}) == []


def test_a_button_sent_before_the_upgrade_still_answers_an_offer(harness: Harness, team: Team) -> None:
    """The phone holds the string the old code built by hand; the typed handler takes it."""
    create(harness, team)
    anna = team.phones["Anna"]

    async def scenario() -> None:
        await harness.deliver()
        with harness.database.transaction() as session:
            asked = select(Offer).where(Offer.inspector_id == team.people["Anna"])
            offer = session.execute(asked).scalar_one()
            old_button = f"o:{offer.id}:{offer.version}:a"
        await harness.press(anna, old_button)
        await harness.press(anna, "o:1:1:a;drop")  # forged: no kind matches, refused, nothing crashes

    harness.play(scenario)
    assert harness.answers() == ["Dank je, genoteerd.", "Deze knop is niet meer geldig."]


def test_a_message_queued_before_the_upgrade_keeps_the_buttons_it_was_queued_with(
    harness: Harness, team: Team
) -> None:
    """An outbox row written by the old code carries finished buttons, not `about`: sent as they are."""
    create(harness, team, hours_ahead=3)
    with harness.database.transaction() as session:
        for row in session.execute(select(OutboxMessage)).scalars():
            payload = json.loads(row.payload)
            if payload.pop("about", None):
                payload["buttons"] = [[["button.accept", "o:777:1:a", {}]]]
                row.payload = json.dumps(payload)

    async def scenario() -> None:
        await harness.deliver()

    harness.play(scenario)
    offered = [c for c in harness.to(team.phones["Anna"]) if c.buttons]
    assert [c.buttons for c in offered] == [[[("Accepteren", "o:777:1:a")]]]
