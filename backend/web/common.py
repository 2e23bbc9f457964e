"""Small helpers every blueprint uses: the injected clock, safe redirect targets, bounded ids and months."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter

from backend.web.schemas import FIRST_DAY, ID_MAX, LAST_DAY
from scheduling.calendar import local_date


def now() -> datetime:
    moment: datetime = current_app.extensions["piket"]["clock"].now()
    return moment


def today() -> date:
    return local_date(now())


def safe_path(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect to somewhere else."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    return target


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a row id. One the database cannot hold (0, or beyond its INTEGER)
    becomes 0, which no row has, so the view answers 404 as for any row that is not there. (Refused
    here instead, a path that has a second method answered 405: werkzeug counts the other method's
    rule as a match for the path.)"""

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if 1 <= number <= ID_MAX else 0


def month_or_current(text: str | None) -> date:
    """The first day of the asked month (YYYY-MM) within the team's years, else of the current month."""
    try:
        month = datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        month = None
    if month is None or not FIRST_DAY <= month <= LAST_DAY.replace(day=1):
        return today().replace(day=1)
    return month


def in_range(day: date) -> bool:
    """Within the team's years (the pilot's, not year 1 or 9999)."""
    return FIRST_DAY <= day <= LAST_DAY
