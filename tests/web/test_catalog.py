"""The web's Dutch catalog keeps step with the pages: every text translated, the same placeholders.
(`scripts/update_web_catalog.py` adds new texts to web.po for translation.)"""

import re
from importlib import resources
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import backend.web

KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


def test_every_text_of_the_pages_has_a_dutch_translation_with_the_same_placeholders() -> None:
    source = Path(backend.web.__file__).parent
    used = {message for _, _, message, _, _ in extract_from_dir(str(source), METHODS, keywords=KEYWORDS)}
    with (resources.files("backend.web") / "locale" / "nl" / "LC_MESSAGES" / "web.po").open("rb") as po:
        catalog = read_po(po, locale="nl")
    dutch = {m.id: m.string for m in catalog if m.id}
    assert sorted(used - set(dutch)) == []
    assert sorted(set(dutch) - used) == []  # nothing left over from removed texts
    for english, translated in dutch.items():
        assert all(translated), f"{english!r} has no Dutch text"
        plural = english if isinstance(english, str) else english[1]
        for form in (translated if isinstance(translated, tuple) else (translated,)):  # one and many
            assert placeholders(form) == placeholders(plural), english
