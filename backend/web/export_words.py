"""The export files' words in the reader's language: column headers, code values, yes/no, the total line.

The column names are the column sets' own (and the API's keys); a controller
reads these labels instead, in the language of the pages (Dutch by default).
"""

from __future__ import annotations

from backend.i18n import catalog
from backend.services.sheets import Wording
from backend.web import i18n
from backend.web.i18n import N_

LABELS = {
    # ledger and payroll
    "entry": N_("Entry"),
    "date": N_("Day"),
    "start": N_("Start (date and time)"),
    "end": N_("End (date and time)"),
    "inspector": N_("Inspector"),
    "name": N_("Name"),
    "employer": N_("Employer"),
    "municipality": N_("Municipality"),
    "category": N_("Category"),
    "break_minutes": N_("Break (min)"),
    "worked_minutes": N_("Worked (min)"),
    "plain_minutes": N_("No allowance (min)"),
    "weekday_20_minutes": N_("Weekday 20%% (min)"),
    "weekday_40_minutes": N_("Weekday 40%% (min)"),
    "saturday_minutes": N_("Saturday (min)"),
    "sunday_holiday_minutes": N_("Sunday and holiday (min)"),
    "approved": N_("Approved"),
    "reverses": N_("Reverses entry"),
    "booked_on": N_("Booked on"),
    "allowance_minutes": N_("Allowance (min)"),
    "allowance_exempt_week": N_("Exempt week"),
    # settlement
    "population": N_("Population"),
    "share": N_("Share of the population"),
    "cost_share": N_("Share of cost"),
    "cap_shortfall": N_("of which capped shortfall"),
    "pledged_minutes": N_("Hours pledged"),
    "minutes": N_("Hours credited"),
    "salary": N_("Salary"),
    "ort": N_("ORT"),
    "overhead": N_("Overhead"),
    "fixed": N_("Fixed costs paid"),
    "delivered": N_("Delivered"),
    "balance": N_("Balance (positive: pays; negative: receives)"),
    # register of disclosures
    "id": N_("Number"),
    "at": N_("When (UTC)"),
    "actor": N_("Who"),
    "kind": N_("What"),
    "receiver": N_("Receiver"),
    "purpose": N_("Purpose"),
    "scope": N_("Selection"),
}
"""Every exported column's header (the pages head the same columns with the same words)."""
PAGE_LABELS = LABELS | {"start": N_("Start time"), "end": N_("End time")}
"""The ledger page shows start and end as clock times (the end's day where it is another)."""


def wording(language: str | None = None) -> Wording:
    """The words of one language (the user's unless given) for one whole file. The language is fixed
    here: a CSV is written while it streams, after the request (and its cookie) has gone."""
    words = catalog("web", language or i18n.language())

    def label(name: str) -> str:  # %% in a label is a literal percent sign (python-format)
        return words.gettext(LABELS[name]) % {}

    def total(count: int) -> str:
        return words.ngettext("total (%(n)s line)", "total (%(n)s lines)", count) % {"n": count}

    return Wording(language or i18n.language(), label, words.gettext, total)
