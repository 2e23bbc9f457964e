"""Texts in the recipient's language: gettext catalogs read from the .po sources.

The .po file is compiled in memory when first needed (Babel), so there is no
build step and no compiled file to forget. English is the msgid itself.
"""

from __future__ import annotations

import gettext
import io
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.texts import TEXTS

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


@lru_cache(maxsize=len(LANGUAGES))
def catalog(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    source = resources.files("bot") / "locale" / language / "LC_MESSAGES" / "piket.po"
    with source.open("rb") as po:
        parsed = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, parsed)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def text(language: str, key: str, **params: Any) -> str:
    """The template `key` in `language`, filled in; dates are written out the local way."""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    template = catalog(language).pgettext(key, TEXTS[key])
    return template.format(**{name: _shown(language, name, value) for name, value in params.items()})


def _shown(language: str, name: str, value: Any) -> Any:
    if name == "date" and isinstance(value, str):
        return format_date(date.fromisoformat(value), "EEE d MMM", locale=language)
    if name == "source":
        return text(language, f"source.{value}")
    return value
