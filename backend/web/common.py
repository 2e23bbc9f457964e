"""Small helpers every blueprint uses: the injected clock, safe redirect targets, bounded ids and months."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
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
    """`<int:...>` in every route: a row id the database can hold, so a huge one is a 404, not a 500."""

    def __init__(
        self,
        map: Any,
        fixed_digits: int = 0,
        min: int | None = 1,
        max: int | None = ID_MAX,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


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
