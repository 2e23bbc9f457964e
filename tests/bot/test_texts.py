"""The Dutch catalog keeps step with the English texts: every key translated, the same placeholders."""

import string

import pytest

from bot.i18n import catalog
from bot.texts import TEXTS


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_text_has_a_dutch_translation_with_the_same_placeholders(key: str) -> None:
    dutch = catalog("nl").pgettext(key, TEXTS[key])
    assert dutch != TEXTS[key] or key.startswith(("button.time", "button.minutes", "button.duration",
                                                   "roster.item", "callback.noted"))
    assert placeholders(dutch) == placeholders(TEXTS[key])
