"""The pages' language: Dutch unless the user switched to English (a cookie), from the web catalog."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent
from flask import Flask, has_app_context, has_request_context, request
from markupsafe import Markup

from backend.i18n import LANGUAGES, catalog, chosen
from backend.services.errors import ServiceError
from backend.web.common import today
from scheduling.calendar import team_zone
from scheduling.reasons import Reason

COOKIE = "piket_lang"
_CHOSEN = "piket.language"
"""In the request's environ: its language, read from the cookie once."""


def language() -> str:
    """The request's language. A page asks once for each string it translates (the board, two thousand
    times with a hundred call-outs), and reading the cookie each time was a fifth of its rendering: an
    absent cookie costs the cookie dict an exception. No request changes it (the switch redirects)."""
    if not has_request_context():
        return chosen(None)
    environ = request.environ
    if _CHOSEN not in environ:
        environ[_CHOSEN] = chosen(request.cookies.get(COOKIE))
    return str(environ[_CHOSEN])


def translate(message: str) -> str:
    return catalog("web", language()).gettext(message)


def translate_plural(singular: str, plural: str, n: int) -> str:
    return catalog("web", language()).ngettext(singular, plural, n)


def gettext(message: str, **params: Any) -> str:
    """For Python code: the message in the page's language, with %(name)s filled in."""
    translated = translate(message)
    return translated % params if params else translated


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    """For Python code: one or many in the page's language, %(n)s the count, other placeholders filled."""
    return translate_plural(singular, plural, n) % {"n": n, **params}


def reason(why: Reason) -> str:
    """A reason of the core (a code with parameters) in the page's language."""
    return gettext(why.message, **why.params)


def refusal(error: ServiceError) -> str:
    """A service's refusal in the page's language: the core's reason where it wraps one, else the
    service's own message id with its parameters."""
    return reason(error.reason) if error.reason is not None else gettext(error.template, **error.params)


def install(app: Flask) -> None:
    """Templates call _("...", name=value); Jinja fills the placeholders and escapes."""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        translate, translate_plural, newstyle=True
    )
    app.jinja_env.globals.update(language=language, languages=LANGUAGES, Markup=Markup)
    app.jinja_env.filters.update(
        when=when,
        day=day,
        clock=clock,
        hours=hours,
        money=money,
        month=month,
        number=number,
        percent=percent,
        actor=actor,
        source_name=source_name,
        value_name=value_name,
        gender_name=gender_name,
        reason=reason,
        refusal=refusal,
        long_day=long_day,
        exact_percent=exact_percent,
        euros_an_hour=euros_an_hour,
        rate_percent=rate_percent,
    )


def when(instant: datetime, year: bool = False) -> str:
    """An instant as the team reads it: "di 9 mrt 14:00", with the year where it is not this year's
    (or `year` asks for it, as on paper)."""
    local = instant.astimezone(team_zone())
    shown = (
        "EEE d MMM y HH:mm"
        if year or not has_app_context() or local.year != today().year
        else "EEE d MMM HH:mm"
    )
    return format_datetime(local, shown, locale=language())


def actor(name: str) -> str:
    """Who did it, as a person reads it: the account's name for `web:coordinator`, words for the rest."""
    kind, _, who = name.partition(":")
    if kind == "web":
        return who
    if kind == "api":
        return gettext("API token %(id)s", id=who)
    return {"bot": gettext("the bot"), "system": gettext("piket itself")}.get(name, name)


def number(value: int | Decimal) -> str:
    """A count as the page's language writes it: 52.235 in Dutch, 52,235 in English."""
    return format_decimal(value, locale=language())


def percent(basis_points: int) -> str:
    """A share in basis points as a percentage with two decimals: 8,86% in Dutch, 8.86% in English."""
    return format_percent(Decimal(basis_points) / 10_000, "#,##0.00%", locale=language())


def exact_percent(share: Fraction | Decimal) -> str:
    """A share (0..1) as a percentage with six decimals, 15,350681%: enough to recompute an amount."""
    return format_percent(
        Decimal(share.numerator) / Decimal(share.denominator) if isinstance(share, Fraction) else share,
        "#,##0.000000%",
        locale=language(),
        decimal_quantization=True,
    )


def rate_percent(share: Fraction) -> str:
    """A rate (0..1) as the agreement states it: 12,5%, 20%."""
    return format_percent(
        Decimal(share.numerator) / Decimal(share.denominator), "#,##0.####%", locale=language()
    )


def euros_an_hour(value: Fraction) -> str:
    """An hourly rate in euros, to the cent as the budget states it."""
    return format_currency(Decimal(value.numerator) / Decimal(value.denominator), "EUR", locale=language())


def long_day(value: date) -> str:
    """A date as a letter writes it: "2 december 2026"."""
    return format_date(value, "d MMMM y", locale=language())


def day(value: date) -> str:
    return format_date(value, "EEE d MMM y", locale=language())


def month(value: date | str) -> str:
    """A month as words: "december 2026" (from a date, or a month written "2026-12")."""
    if isinstance(value, str):
        value = date.fromisoformat(f"{value}-01")
    return format_date(value, "LLLL y", locale=language())


def day_month(value: date) -> str:
    """A day as said in a sentence: "12 maart"."""
    return format_date(value, "d MMMM", locale=language())


def day_clock(local: datetime) -> str:
    """A wall-clock date-time (already the team's) as "wo 3 mrt 01:00"."""
    return format_datetime(local, "EEE d MMM HH:mm", locale=language())


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
    N_("open"),
    N_("filled"),
    N_("cancelled"),
    N_("unstaffed"),
    N_("pending"),
    N_("accepted"),
    N_("standby"),
    N_("declined"),
    N_("withdrawn"),
    N_("proposed"),
    N_("confirmed"),
    N_("cover_requested"),
    N_("released"),
    N_("control"),
    N_("callout"),
    N_("coordination"),
    N_("report"),
    N_("written"),
    N_("reviewed"),
    N_("mma"),
    N_("nuisance"),
    N_("police"),
    N_("admin"),
    N_("coordinator"),
    N_("finance"),
    N_("auditor"),
    N_("hours"),
    N_("money"),
    N_("actual"),
    N_("budget"),
    N_("preparation"),
    N_("training"),
    N_("peer_review"),
    N_("returned"),
    N_("weekday_20"),
    N_("weekday_40"),
    N_("saturday"),
    N_("sunday_holiday"),
    N_("nobody_present"),
    N_("no_violation"),
    N_("violation"),
)
"""Every enum value a page shows through `value_name` or _(...): statuses, kinds, sources, roles, modes."""


SOURCE_NAMES = {
    "mma": N_("anonymous tip (MMA)"),
    "nuisance": N_("nuisance report"),
    "police": N_("police request"),
    "health_service": N_("municipal health service"),
    "care_worker": N_("care worker"),
    "resident": N_("resident"),
    "online_advert": N_("online advert"),
    "own_observation": N_("own observation"),
}
"""A call-out's source as people call it, in both languages (the stored value is a code)."""


def value_name(value: Any) -> str:
    """A stored value (one of SHOWN_VALUES: a status, a kind) in words: a filter, as a page may show
    hundreds (the board: every answer to a hundred call-outs) and `_()` in a template costs four
    times as much."""
    return translate(getattr(value, "value", value))


def source_name(value: Any) -> str:
    code = getattr(value, "value", value)
    return translate(SOURCE_NAMES.get(code, code))


GENDER_NAMES = {"f": N_("woman"), "m": N_("man"), "x": N_("other")}
"""An inspector's gender in words (the stored value is a letter)."""


def gender_name(value: Any) -> str:
    code = getattr(value, "value", value)
    return translate(GENDER_NAMES.get(code, code))
