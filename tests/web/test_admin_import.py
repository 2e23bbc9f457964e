"""The admin uploads the team list from Excel on the admin page, and sees the last backup."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from backend.models import Inspector
from tests.web.conftest import Site

LIST = (
    "\ufeffnaam;voornaam;geslacht;opgeleid_sinds;werkgever;schaal;trede;aanwijzingen\r\n"
    "Marijke Zwart;Marijke;v;01-11-2026;Heerenveen;7;3;Heerenveen 1-1-2027, Leeuwarden 1-1-2027\r\n"
)


def _upload(site: Site, text: str, dry_run: bool) -> str:
    data = {"file": (io.BytesIO(text.encode()), "team.csv")}
    if dry_run:
        data["dry_run"] = "true"  # type: ignore[assignment]
    response = site.client("admin").post(
        "/admin/inspectors/import", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 200, response.text
    return str(response.text)


def _count(site: Site) -> int:
    with site.database.transaction() as session:
        return int(session.execute(select(func.count()).select_from(Inspector)).scalar_one())


def test_the_upload_checks_first_then_imports_once(site: Site) -> None:
    before = _count(site)
    checked = _upload(site, LIST, dry_run=True)
    assert "Gecontroleerd" in checked and _count(site) == before
    _upload(site, LIST, dry_run=False)
    assert _count(site) == before + 1
    again = _upload(site, LIST, dry_run=False)
    assert _count(site) == before + 1 and "<td>1</td>" in again  # one unchanged


def test_rejected_rows_are_listed_by_line_in_the_pages_language_and_nothing_is_imported(site: Site) -> None:
    before = _count(site)
    page = _upload(site, LIST + "Jan Bakker;Jan;q;;Heerenveen;7;3;Heerenveen 1-1-2027\r\n", dry_run=False)
    assert "<td>3</td><td>geslacht: v, m of x</td>" in page
    assert _count(site) == before


def test_a_file_that_is_not_a_team_list_is_refused_whole_in_the_pages_language(site: Site) -> None:
    page = _upload(site, "a,b,c\n1,2,3\n", dry_run=False)
    assert "regel 1: de kopregel mist de kolom(men) naam, voornaam" in page and "lacks" not in page


def test_the_overview_shows_the_last_backup_or_that_backups_are_off(site: Site, tmp_path: Path) -> None:
    admin = site.client("admin")
    assert "PIKET_BACKUP_DIR" in admin.get("/admin").text
    settings = site.app.extensions["piket"]["settings"]
    site.app.extensions["piket"]["settings"] = settings.model_copy(update={"backup_dir": tmp_path})
    (tmp_path / "piket-20270309T020000Z.backup").write_bytes(b"x" * 5000)
    (tmp_path / "piket-20270308T020000Z.backup").write_bytes(b"x" * 100)
    page = admin.get("/admin").text
    assert "piket-20270309T020000Z.backup" in page and "5 kB" in page
