"""A real browser (Debian's Chromium, driven by Playwright) on a real server: the coordinator logs in with
her code, makes a call-out and watches it fill as inspectors accept, approves a week, closes it, and
finance's XLSX export of it reads back.

Needs /usr/bin/chromium (`apt-get install chromium`); skipped without it, except where
PIKET_TEST_REQUIRE_BROWSER=1 (CI) makes its absence a failure.
"""

from __future__ import annotations

import io
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
from tests.web.conftest import PASSWORD, Site
from tests.web.test_coordinator import municipality, record_week

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.slow


@pytest.fixture
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("PIKET_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required here: apt-get install chromium")
        pytest.skip("needs Debian's Chromium: apt-get install chromium")
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
    assert rows[0][0] == "piket-ledger-v4 2027-03-01..2027-03-07"
    assert sorted(row[0] for row in rows[2:-1]) == ids
    worked = rows[1].index("worked_minutes")
    assert rows[-1][worked] == sum(row[worked] for row in rows[2:-1]) == 2 * 480
