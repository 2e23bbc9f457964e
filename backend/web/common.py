"""Small helpers every blueprint uses: the injected clock, and safe redirect targets."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from flask import current_app

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
