"""Texts in the recipient's language, from the bot's gettext catalog (backend.i18n)."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date

from backend.i18n import DEFAULT_LANGUAGE, LANGUAGES, chosen
from backend.i18n import catalog as _catalog
from bot.texts import TEXTS

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "catalog", "text"]


def catalog(language: str) -> Any:
    return _catalog("bot", "piket", language)


def text(language: str, key: str, **params: Any) -> str:
    """The template `key` in `language`, filled in; dates are written out the local way."""
    language = chosen(language)
    template = catalog(language).pgettext(key, TEXTS[key])
    return template.format(**{name: _shown(language, name, value) for name, value in params.items()})


def _shown(language: str, name: str, value: Any) -> Any:
    if name in ("date", "written_date") and isinstance(value, str):
        return format_date(date.fromisoformat(value), "EEE d MMM", locale=language)
    if name == "source":
        return text(language, f"source.{value}")
    if name == "break":  # a break is shown as its clock times, "18:00-19:00", or as none
        return text(language, "break.at", span=value) if value else text(language, "break.none")
    return value
