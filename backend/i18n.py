"""Gettext catalogs read from .po sources, for the bot's messages and the web's pages.

The .po file is compiled in memory when first needed (Babel), so there is no
build step and no compiled file to forget. English is the msgid itself.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


@lru_cache(maxsize=8)
def catalog(package: str, domain: str, language: str) -> gettext.NullTranslations:
    """The translations of `domain` shipped in `package`/locale. English is the msgid itself; an English
    catalog, where shipped, only gives codes (`callout`, `mma`) their English words."""
    source = resources.files(package) / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
    if language == "en" and not source.is_file():
        return gettext.NullTranslations()
    with source.open("rb") as po:
        parsed = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, parsed)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def chosen(language: str | None) -> str:
    """The language asked for if we have it, else Dutch."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE
