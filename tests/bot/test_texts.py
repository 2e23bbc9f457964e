"""The Dutch of the chat reads well. (That every key is translated with the same placeholders is
tests/test_catalogs.py's check, for every catalog.)"""

import string
from importlib import resources

from babel.messages.pofile import read_po

from bot.texts import TEXTS


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_dutch_reads_as_a_native_speaker_wrote_it() -> None:
    from bot.i18n import text

    dutch = {key: text("nl", key) if not placeholders(english) else "" for key, english in TEXTS.items()}
    with (resources.files("bot") / "locale" / "nl" / "LC_MESSAGES" / "piket.po").open("rb") as po:
        strings = [m.string for m in read_po(po, locale="nl") if m.id]
    assert not [s for s in strings if "gevuld" in s or "Je gaat:" in s or "Waar komt hij vandaan" in s]
    assert dutch["draft.source"] == "Nieuwe oproep. Wat is de bron?"
    created = {"date": "2027-03-09", "start": "16:00", "end": "01:00", "municipality": "Smallingerland"}
    assert text("nl", "coordinator.callout_created", **created, offered=5).endswith(
        "aangeboden aan 5 toezichthouders."
    )
    assert text("nl", "coordinator.callout_created", **created, offered=1).endswith(
        "aangeboden aan 1 toezichthouder."
    )
    assert text("en", "coordinator.callout_created", **created, offered=1).endswith("offered to 1 inspector.")
    assert text("nl", "offer.filled", date="2027-03-09") == "De oproep van di 9 mrt is rond. Dank je."
    assert text("nl", "offer.confirmed", date="2027-03-09", start="16:00", end="01:00") == (
        "Fijn, je bent ingedeeld: di 9 mrt 16:00-01:00."
    )
