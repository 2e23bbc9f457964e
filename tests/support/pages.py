"""Every page of every role: which there are, the ids their addresses take, and what must not be in a
Dutch page's words (the catalog's English, code names). Walked through the test client on each database
by test_every_page.py, and in a browser for layout and accessibility by test_browser.py."""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser
from importlib import resources

from babel.messages.pofile import read_po
from sqlalchemy import func, select

from backend.models import Inspector, Municipality, SafetyAlert
from backend.web.access import roles_of
from tests.support.web import TIP, missed_alert, municipality, record_week
from tests.web.conftest import Site

ROLES = ("coordinator", "finance", "auditor", "admin")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
"""A code name such as `inspector_id` or `weekday_20_minutes`: never for a person to read (outside <code>)."""
FILE_COLUMNS = {"opgeleid_sinds"}
"""The team list's column, named on the admin page as the file must name it."""


def pages_of(site: Site, role: str, values: dict[str, int]) -> list[str]:
    """Every page (GET, HTML) the role may open, with `values` for the ids in its address."""
    found = []
    for rule in site.app.url_map.iter_rules():
        declared = roles_of(site.app, rule.endpoint) or ()
        if (
            "GET" not in (rule.methods or ())
            or role not in declared
            or rule.rule.startswith("/api/")
            or rule.rule.endswith((".csv", ".xlsx"))
            or rule.endpoint == "coordinator.board"
        ):
            continue
        if set(rule.arguments) <= set(values):
            found.append(rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1])
    if role == "coordinator":
        found.append("/coordinator/planning?month=2027-03&propose=1")
    if role == "finance":  # past the question who receives it
        found.append("/finance/evaluation/report?year=2027&receiver=gemeenten&purpose=evaluatie")
    return sorted(found)


@lru_cache(maxsize=1)
def english_texts() -> list[str]:
    """The web catalog's English texts that a Dutch page must not show (read once: parsing the
    catalog for each page took a quarter of the test's time)."""
    with (resources.files("backend.web") / "locale" / "nl" / "LC_MESSAGES" / "web.po").open("rb") as po:
        catalog = read_po(po, locale="nl")
    return [
        m.id
        for m in catalog
        if isinstance(m.id, str) and len(m.id) > 12 and "%(" not in m.id and m.string and m.string != m.id
    ]


def untranslated(text: str) -> list[str]:
    """Texts of the web's catalog left in English on a Dutch page, and code names."""
    return [e for e in english_texts() if e in text] + sorted(set(SNAKE.findall(text)) - FILE_COLUMNS)


def ids_for_addresses(site: Site) -> dict[str, int]:
    """An id of each kind the pages' addresses take, from the demo team and a recorded week; and an
    open call-out for the board to show."""
    site.client("coordinator").post(
        "/coordinator/callouts/new", data={**TIP, "municipality_id": municipality(site, "Smallingerland")}
    )
    entry_ids = record_week(site)
    with site.database.transaction() as session:
        inspector_id = session.execute(select(func.min(Inspector.id))).scalar_one()
        municipality_id = session.execute(
            select(func.min(Municipality.id)).where(Municipality.is_participating)
        ).scalar_one()
    return {
        "entry_id": entry_ids[0],
        "inspector_id": inspector_id,
        "municipality_id": municipality_id,
        "shift_id": open_safety_alert(site),
    }


def open_safety_alert(site: Site) -> int:
    """A control whose pair did not check out: the board shows its alert; returns the shift's id."""
    alert_id = missed_alert(site)
    with site.database.transaction() as session:
        return session.get_one(SafetyAlert, alert_id).shift_id


class _Reading(HTMLParser):
    """A page's body as a person reads it: its words without code (audit actions, ids), the data
    being edited in a text area (the ORT table's windows), scripts and styles; and its h1 headings."""

    SKIPPED = frozenset({"code", "textarea", "script", "style"})

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.skipping = 0
        self.headings = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        self.headings += tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.words.append(data)


def reading_faults(page: str) -> list[str]:
    """What is wrong with a page's words and outline (its HTML; no script of the pages writes words):
    English or code names on a Dutch page, other than one h1."""
    reading = _Reading()
    reading.feed(page[page.find("<body") :])
    faults = [f"not Dutch: {text!r}" for text in untranslated("".join(reading.words))]
    return faults + ([f"{reading.headings} h1 headings"] if reading.headings != 1 else [])
