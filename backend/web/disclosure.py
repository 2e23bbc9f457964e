"""Before anything is downloaded: who receives it and why (a small form, then the register).

A download link carries its own filters; without `receiver` and `purpose` it
answers the form instead, filled in with what this person gave last time for
this kind. Sent back with both, the download is recorded in the register of
disclosures and goes ahead.
"""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request

from backend.services import disclosures
from backend.services.errors import ServiceError
from backend.web import i18n
from backend.web.access import caller
from backend.web.common import now

FIELDS = ("receiver", "purpose")


def ask_first(kind: str, scope: dict[str, Any]) -> Any | None:
    """None once recorded (the caller then sends the file); else the form to answer with."""
    given = {field: request.args.get(field) for field in FIELDS}
    if not any(given.values()):
        return _form(kind, disclosures.remembered(g.db, caller().name, kind), [])
    try:
        disclosures.record(g.db, at=now(), actor=caller().name, kind=kind, scope=scope, **given)
    except ServiceError as refused:
        typed = disclosures.Choice(given["receiver"] or "", given["purpose"] or "")
        return _form(kind, typed, [{"field": refused.field or "", "message": _message(refused.field)}]), 422
    return None


def _message(field: str | None) -> str:
    if field == "receiver":
        return i18n.gettext("Say who receives it (an organisation or a function), at most 200 characters.")
    return i18n.gettext("Say why they need it, at most 200 characters.")


def _form(kind: str, choice: disclosures.Choice | None, problems: list[dict[str, str]]) -> str:
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in FIELDS]
    words = i18n.gettext(disclosures.KINDS[kind])
    return render_template("disclose.html", kind=words, choice=choice, kept=kept, problems=problems)
