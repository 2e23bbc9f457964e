"""The pages' language: Dutch unless the user switched to English (a cookie), from the web catalog."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from flask import Flask, has_request_context, request
from markupsafe import Markup

from backend.i18n import LANGUAGES, catalog, chosen
from scheduling.calendar import team_zone

COOKIE = "piket_lang"


def language() -> str:
    if not has_request_context():
        return chosen(None)
    return chosen(request.cookies.get(COOKIE))


def translate(message: str) -> str:
    return catalog("backend.web", "web", language()).gettext(message)


def translate_plural(singular: str, plural: str, n: int) -> str:
    return catalog("backend.web", "web", language()).ngettext(singular, plural, n)


def gettext(message: str, **params: Any) -> str:
    """For Python code: the message in the page's language, with %(name)s filled in."""
    translated = translate(message)
    return translated % params if params else translated


def install(app: Flask) -> None:
    """Templates call _("...", name=value); Jinja fills the placeholders and escapes."""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        translate, translate_plural, newstyle=True)
    app.jinja_env.globals.update(language=language, languages=LANGUAGES, Markup=Markup)
    app.jinja_env.filters.update(when=when, day=day, clock=clock, hours=hours, money=money)


def when(instant: datetime) -> str:
    """An instant as the team reads it: "di 9 mrt 14:00"."""
    return format_datetime(instant.astimezone(team_zone()), "EEE d MMM HH:mm", locale=language())


def day(value: date) -> str:
    return format_date(value, "EEE d MMM y", locale=language())


def day_month(value: date) -> str:
    """A day as said in a sentence: "12 maart"."""
    return format_date(value, "d MMMM", locale=language())


def clock(instant: datetime) -> str:
    return f"{instant.astimezone(team_zone()):%H:%M}"


def money(cents: int) -> str:
    """Cents as the page's language writes euros: € 1.234,56 in Dutch, €1,234.56 in English."""
    return format_currency(Decimal(cents) / 100, "EUR", locale=language())


def hours(minutes: int) -> str:
    """Minutes as hours and minutes, 4:05; negative for a reversal."""
    sign = "-" if minutes < 0 else ""
    return f"{sign}{abs(minutes) // 60}:{abs(minutes) % 60:02d}"


def N_(message: str) -> str:
    """Marks a stored value's word for the catalog; templates translate it where it is shown."""
    return message


SHOWN_VALUES = (
    N_("open"), N_("filled"), N_("cancelled"), N_("unstaffed"),
    N_("pending"), N_("accepted"), N_("standby"), N_("declined"), N_("withdrawn"),
    N_("proposed"), N_("confirmed"), N_("cover_requested"), N_("released"),
    N_("control"), N_("callout"), N_("coordination"), N_("report"),
    N_("written"), N_("reviewed"), N_("mma"), N_("nuisance"), N_("police"),
    N_("admin"), N_("coordinator"), N_("finance"), N_("auditor"), N_("hours"), N_("money"),
    N_("actual"), N_("budget"),
    N_("nobody_present"), N_("no_violation"), N_("violation"),
)
"""Every enum value a page shows through _(...): statuses, kinds, sources, roles, modes."""
