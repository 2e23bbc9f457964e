"""Texts in the recipient's language, from the bot's gettext catalog (backend.i18n)."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date

from backend.i18n import DEFAULT_LANGUAGE, LANGUAGES, chosen
from backend.i18n import catalog as _catalog
from bot.texts import TEXTS

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "catalog", "text"]

COUNTED = frozenset({"offered", "more"})
"""Parameters that count inspectors: shown with their noun ("5 toezichthouders", "1 toezichthouder")."""


def catalog(language: str) -> Any:
    return _catalog("bot", "piket", language)


def text(language: str, key: str, **params: Any) -> str:
    """The template `key` in `language`, filled in; dates are written out the local way."""
    language = chosen(language)
    template: str = catalog(language).pgettext(key, TEXTS[key])
    return template.format(**{name: _shown(language, name, value) for name, value in params.items()})


def _shown(language: str, name: str, value: Any) -> Any:
    """A parameter as the recipient reads it: ISO dates and months written out, codes named,
    counts with their noun, a list of items one per line."""
    if (name == "date" or name.endswith("_date")) and isinstance(value, str):
        return format_date(date.fromisoformat(value), "EEE d MMM", locale=language)
    if name == "month" and isinstance(value, str):
        return format_date(date.fromisoformat(f"{value}-01"), "LLLL yyyy", locale=language)
    if name in ("source", "kind"):
        return text(language, f"{name}.{value}")
    if name in COUNTED and isinstance(value, int):
        return text(language, "count.inspector" if value == 1 else "count.inspectors", n=value)
    if name == "items" and isinstance(value, list):
        return "\n".join(text(language, item.pop("template"), **item) for item in map(dict, value))
    if name == "break":  # a break is shown as its clock times, "18:00-19:00", or as none
        return text(language, "break.at", span=value) if value else text(language, "break.none")
    return value
