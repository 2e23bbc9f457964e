"""The Dutch catalog keeps step with the English texts: every key translated, the same placeholders."""

import string
from importlib import resources

from babel.messages.pofile import read_po

from bot.texts import TEXTS


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_text_has_a_dutch_translation_with_the_same_placeholders() -> None:
    with (resources.files("bot") / "locale" / "nl" / "LC_MESSAGES" / "piket.po").open("rb") as po:
        catalog = read_po(po, locale="nl")
    dutch = {m.context: m for m in catalog if m.id}
    assert sorted(set(TEXTS) - set(dutch)) == []
    assert sorted(set(dutch) - set(TEXTS)) == []  # nothing left over from removed texts
    for key, english in TEXTS.items():
        message = dutch[key]
        assert message.id == english, f"{key}: the msgid is not the current English text"
        assert message.string, f"{key}: no Dutch text"
        assert placeholders(message.string) == placeholders(english), key
