"""A real browser (Debian's Chromium, driven by Playwright) on a real server: the coordinator logs in with
her code, makes a call-out and watches it fill as inspectors accept, approves a week, closes it, and
finance's XLSX export of it reads back. And every page, for every role, on a phone (375 px) and a laptop
(1366 px): no sideways scrolling of the page, no serious accessibility fault (axe-core). On SQLite
only: what the browser sees is the same on either database. A page's words and its one h1 are its
HTML's (no script of the pages writes words): test_every_page.py reads them on each database. With
`--screenshots`, a screenshot of each for a person to look at: `./test.sh tests/web/test_browser.py
--screenshots` (they were a third of the walk's time in every run, looked at in few).

Needs /usr/bin/chromium (`apt-get install chromium`) and axe-core (`npm install --prefix var/axe
axe-core`, as .ci/run does); skipped without them, except where PIKET_TEST_REQUIRE_BROWSER=1 (CI) makes
their absence a failure. Screenshots go to PIKET_TEST_OUTPUT (default var/test-output)/browser.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from backend.models import Callout, CalloutStatus, Offer
from backend.services import callouts
from tests.support.pages import ROLES, ids_for_addresses, pages_of
from tests.support.web import municipality, record_week
from tests.web.conftest import PASSWORD, Site

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (375, 1366)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.sqlite_only(
        "what the browser sees and does is the same on either database; each page is rendered on each "
        "by test_every_page.py, and the steps of the evening by the web and bot tests"
    ),
]


def required(what: str, install: str) -> None:
    if os.environ.get("PIKET_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} is required here: {install}")
    pytest.skip(f"needs {what}: {install}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the module's tests (each opens pages of its own): a launch takes a second."""
    if not os.path.exists(CHROMIUM):
        required("Debian's Chromium", "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@pytest.fixture
def server(site: Site) -> Iterator[str]:
    running = make_server("127.0.0.1", 0, site.app, threaded=True)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{running.server_port}"
    running.shutdown()


def log_in(page: Any, base: str, site: Site, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=code]", site.code(username))
    page.click("main button[type=submit]")


def accept_until_filled(site: Site, callout_id: int) -> None:
    """Inspectors accept in the bot (its service), one after the other, until the pair is complete."""
    with site.database.transaction() as session:
        shift_id = session.get_one(Callout, callout_id).shift_id
        offers = list(session.execute(select(Offer).where(Offer.shift_id == shift_id)).scalars())
    for offer in offers:
        with site.database.transaction() as session:
            callouts.answer_offer(
                session, site.clock.now(), offer.inspector_id, offer.id, offer.version, True
            )
            if session.get_one(Callout, callout_id).status is CalloutStatus.FILLED:
                return


def test_a_coordinator_evening_and_finances_export_in_a_real_browser(
    site: Site, server: str, browser: Any
) -> None:
    page = browser.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, server, site, "coordinator")
    assert page.url.endswith("/coordinator")

    page.click("text=Nieuwe oproep")
    page.select_option("select[name=municipality_id]", str(municipality(site, "Smallingerland")))
    page.fill("input[name=day]", "2027-03-09")
    page.fill("input[name=start]", "20:00")
    page.fill("input[name=end]", "23:00")
    page.fill("input[name=location]", "Dorpsstraat 1")
    page.click("main button[type=submit]")
    card = page.locator("article.callout[data-status=open]").first
    callout_id = int(card.get_attribute("id").removeprefix("callout-"))

    accept_until_filled(site, callout_id)
    page.wait_for_selector(f"#callout-{callout_id}[data-status=filled]", timeout=15_000)  # board.js refresh

    ids = record_week(site)
    page.goto(f"{server}/coordinator/hours?period_start=2027-03-01&period_end=2027-03-07")
    page.click("text=Aangevinkte regels goedkeuren")
    assert "2 regels goedgekeurd" in page.content()
    page.click("button:has-text('Periode afsluiten')")
    assert "afgesloten" in page.content()

    finance = browser.new_page()
    log_in(finance, server, site, "finance")
    finance.goto(f"{server}/finance/ledger?period_start=2027-03-01&period_end=2027-03-07")
    finance.click("#export-xlsx")  # first: who receives it, and why (the register of disclosures)
    finance.fill("#disclose input[name=receiver]", "accountant")
    finance.fill("#disclose input[name=purpose]", "jaarafsluiting")
    with finance.expect_download() as download:
        finance.click("#disclose button")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "piket-ledger-v5 2027-03-01..2027-03-07"
    assert sorted(row[0] for row in rows[2:-1]) == ids
    worked = rows[1].index("Gewerkt (min)")  # the file speaks the user's language
    assert rows[-1][worked] == sum(row[worked] for row in rows[2:-1]) == 2 * 480


SERIOUS = """axe.run(document, {resultTypes: ['violations']}).then((result) => result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `axe ${v.id} (${v.impact}): ${v.nodes.length}x ${JSON.stringify(v.nodes[0].target)}`))"""
"""The serious and critical axe violations on the page (axe itself comes with every page, as an init
script), each as a line: summed up in the page rather than sent whole to Python, where reading the
full result of every page cost more than the check."""


def page_faults(page: Any, width: int) -> list[str]:
    """What is wrong with the page as shown at this width: sideways scrolling, serious axe violations."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    return ([f"the page is {wide} px wide"] if wide > width else []) + page.evaluate(SERIOUS)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role_fits_a_phone_and_a_laptop_and_is_accessible_and_dutch(
    site: Site, server: str, browser: Any, role: str, screenshots: bool
) -> None:
    if not AXE.exists():
        required("axe-core", "npm install --prefix var/axe axe-core")
    shots = Path(os.environ.get("PIKET_TEST_OUTPUT", ROOT / "var" / "test-output")) / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    values = ids_for_addresses(site)
    faults: dict[str, list[str]] = {}
    context = browser.new_context(viewport={"width": WIDTHS[-1], "height": 900}, bypass_csp=True)  # axe
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    log_in(page, server, site, role)
    for path in pages_of(site, role, values):
        # Loaded once, on the phone, then widened: the page lays itself out again for the laptop
        # (its styles are media queries; no script of these pages reads the width). A second load
        # ran axe's half a megabyte of script again for nothing.
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        answer = page.goto(server + path)
        assert answer is not None and answer.status < 500, path
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            name = f"{role}{path}".replace("/", "-").replace("?", "-").replace("&", "-").replace("=", "")
            if screenshots:
                page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
            if found := page_faults(page, width):
                faults[f"{role} {path} @{width}"] = found
    context.close()
    report = json.dumps(faults, indent=1, ensure_ascii=False)
    (shots / f"faults-{role}.json").write_text(report, encoding="utf-8")
    assert faults == {}


def test_on_a_phone_the_board_shows_who_is_on_each_shift_without_scrolling_sideways(
    site: Site, server: str, browser: Any
) -> None:
    """The coordinator at 22:00 on a phone: the board's shift tables stack each shift (when, kind,
    municipality, then the people below) instead of hiding the people past the screen's edge."""
    page = browser.new_page(viewport={"width": 375, "height": 900})
    log_in(page, server, site, "coordinator")
    page.goto(server + "/coordinator")
    shown = page.evaluate(
        """() => [...document.querySelectorAll("table.shifts tbody tr")].map(row => {
            const box = row.closest(".scroll") || row.closest("table");
            const people = row.cells[row.cells.length - 1];
            return [people.innerText.trim(), Math.round(people.getBoundingClientRect().right),
                    box.scrollWidth <= box.clientWidth];
        })"""
    )
    assert len(shown) >= 2 and all(text for text, _, _ in shown)
    assert [(right, fits) for _, right, fits in shown] == [(right, True) for _, right, _ in shown]
    assert max(right for _, right, _ in shown) <= 375
    page.set_viewport_size({"width": 1366, "height": 900})
    assert page.locator("table.shifts thead th").first.is_visible()  # a laptop keeps the table


def test_the_statement_prints_without_the_bar_and_its_buttons(site: Site, server: str, browser: Any) -> None:
    page = browser.new_page()
    log_in(page, server, site, "finance")
    page.goto(
        f"{server}/finance/settlement/{municipality(site, 'Heerenveen')}?year=2027"
        "&receiver=gemeente+Heerenveen&purpose=afrekening"
    )  # recorded in the register
    assert page.locator("header").is_visible()
    page.emulate_media(media="print")
    assert page.locator("header").is_hidden() and page.locator("main h1").is_visible()
    assert "Heerenveen" in page.locator("main").inner_text()
