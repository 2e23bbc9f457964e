"""The team list from Excel: `piket import inspectors`, as the admin who keeps it in a spreadsheet."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, undefer

from backend.models import AuditRecord, Contribution, Designation, Gender, Inspector, Municipality
from backend.services.imports import ImportRefused, import_inspectors
from tests import factories
from tests.conftest import Piket
from tests.factories import NOW

HEADER = "naam;voornaam;geslacht;opgeleid_sinds;werkgever;schaal;trede;aanwijzingen;telefoon\r\n"
TEAM = (
    HEADER + "Wytske Hoekstra;Wytske;v;01-10-2026;Leeuwarden;10;11;Leeuwarden 1-1-2027, Heerenveen 1-1-2027;"
    "+31 6 12345678\r\n" + 'Sjoerd Dijkstra;Sjoerd;m;;Heerenveen;7;11;"Leeuwarden (RTS-2027-01) 1-1-2027\n'
    'Heerenveen 1-1-2027 t/m 31-12-2027";\r\n'
)


def excel(text: str) -> bytes:
    """As Dutch Excel saves "CSV UTF-8": a byte order mark, semicolons, CRLF."""
    return "\ufeff".encode() + text.encode()


@pytest.fixture
def heerenveen(session: Session) -> Municipality:
    region, _ = factories.region(session)
    made = Municipality(
        region_id=region.id,
        name="Heerenveen",
        population=51863,
        population_date=date(2025, 1, 1),
        is_participating=True,
        contribution=Contribution.HOURS,
        pledged_minutes=100 * 60,
    )
    session.add(made)
    session.flush()
    return made


def _team(session: Session) -> dict[str, Inspector]:
    found = session.execute(
        select(Inspector).options(undefer(Inspector.first_name), undefer(Inspector.phone))
    ).scalars()
    return {i.name: i for i in found}


def test_an_excel_team_list_adds_sealed_inspectors_with_their_designations(
    session: Session, heerenveen: Municipality
) -> None:
    report = import_inspectors(session, NOW, "cli:import", excel(TEAM))
    assert (report.added, report.designations_added, report.rejections) == (2, 4, [])
    team = _team(session)
    wytske, sjoerd = team["Wytske Hoekstra"], team["Sjoerd Dijkstra"]
    assert (wytske.gender, wytske.trained_since) == (Gender.FEMALE, date(2026, 10, 1))
    assert wytske.salary_scale == 10
    assert wytske.phone == "+31 6 12345678" and sjoerd.trained_since is None
    names = {m.id: m.name for m in session.execute(select(Municipality)).scalars()}
    ends = {
        (names[d.municipality_id], d.decision_reference, d.valid_until)
        for d in session.execute(select(Designation).where(Designation.inspector_id == sjoerd.id)).scalars()
    }
    assert ends == {("Heerenveen", "(geen kenmerk)", date(2027, 12, 31)), ("Leeuwarden", "RTS-2027-01", None)}
    raw = session.execute(text("SELECT name, phone FROM inspectors")).all()
    assert not any("Hoekstra" in (n or "") or "12345678" in (p or "") for n, p in raw)


def test_a_second_run_of_the_same_file_changes_nothing(session: Session, heerenveen: Municipality) -> None:
    import_inspectors(session, NOW, "cli:import", excel(TEAM))
    records = session.execute(select(func.count()).select_from(AuditRecord)).scalar()
    again = import_inspectors(session, NOW, "cli:import", excel(TEAM))
    assert (again.added, again.changed, again.unchanged, again.designations_added) == (0, 0, 2, 0)
    assert not again.changes_anything
    assert session.execute(select(func.count()).select_from(AuditRecord)).scalar() == records


def test_a_changed_row_updates_the_inspector_and_ends_a_designation(
    session: Session, heerenveen: Municipality
) -> None:
    import_inspectors(session, NOW, "cli:import", excel(TEAM))
    trained = TEAM.replace("Sjoerd;m;;", "Sjoerd;m;15-03-2027;").replace(
        "Leeuwarden (RTS-2027-01) 1-1-2027", "Leeuwarden (RTS-2027-01) 1-1-2027 t/m 30-6-2027"
    )
    report = import_inspectors(session, NOW, "cli:import", excel(trained))
    assert (report.changed, report.unchanged, report.designations_changed) == (1, 1, 1)
    assert _team(session)["Sjoerd Dijkstra"].trained_since == date(2027, 3, 15)


def test_every_bad_row_is_named_by_line_and_nothing_is_imported(
    session: Session, heerenveen: Municipality
) -> None:
    bad = (
        TEAM
        + "Jildou Postma;Jildou;vrouwelijk;;Leeuwarden;7;3;Leeuwarden 1-1-2027;\r\n"
        + "Durk Wijnstra;Durk;m;31-02-2026;Drachten;7;3;Leeuwarden 1-1-2027;\r\n"
        + "Baukje Zijlstra;Baukje;v;;Leeuwarden;;;Leeuwarden vanaf januari;06 12345678\r\n"
        + "Wytske Hoekstra;Wytske;v;;Leeuwarden;7;3;Leeuwarden 1-1-2027;\r\n"
    )
    report = import_inspectors(session, NOW, "cli:import", excel(bad))
    lines = [(r.line, r.reason.split(":")[0]) for r in report.rejections]
    assert lines == [
        (5, "geslacht"),
        (6, "opgeleid_sinds"),
        (7, "aanwijzingen"),
        (8, "the same name as on line 2"),
    ]
    assert "Drachten" not in report.rejections[1].reason  # one reason a row: the first one found
    assert session.execute(select(func.count()).select_from(Inspector)).scalar() == 0


def test_a_new_inspector_without_a_salary_scale_is_rejected_by_line(
    session: Session, heerenveen: Municipality
) -> None:
    text_ = (
        HEADER.replace(";schaal;trede", "") + "Jildou Postma;Jildou;v;;Leeuwarden;Leeuwarden 1-1-2027;\r\n"
    )
    report = import_inspectors(session, NOW, "cli:import", excel(text_))
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejections] == [(2, "schaal and trede")]


def test_a_dry_run_reports_and_changes_nothing(session: Session, heerenveen: Municipality) -> None:
    report = import_inspectors(session, NOW, "cli:import", excel(TEAM), dry_run=True)
    assert (report.added, report.applied) == (2, False)
    assert session.execute(select(func.count()).select_from(Inspector)).scalar() == 0


def test_a_windows_1252_file_with_commas_and_english_headers_is_read(
    session: Session, heerenveen: Municipality
) -> None:
    data = (
        "name,first_name,gender,trained_since,employer,scale,step,designations\n"
        "Jildou Súdwest,Jildou,f,2026-10-01,Leeuwarden,7,3,Leeuwarden 2027-01-01\n"
    ).encode("cp1252")
    assert import_inspectors(session, NOW, "cli:import", data).added == 1
    assert "Jildou Súdwest" in _team(session)


def test_a_file_without_the_needed_columns_is_refused_as_a_whole(
    session: Session, heerenveen: Municipality
) -> None:
    with pytest.raises(ImportRefused, match=r"lacks the column.*aanwijzingen"):
        import_inspectors(session, NOW, "cli:import", b"naam;voornaam;geslacht;werkgever\r\n")


def test_the_command_reports_rejections_and_exits_non_zero(upgraded: Piket, tmp_path: Path) -> None:
    upgraded("setup", "--region", "Test", "--timezone", "Europe/Amsterdam", "--admin", "beheer")
    wrong = tmp_path / "team.csv"
    wrong.write_bytes(excel(TEAM))
    result = upgraded("import", "inspectors", str(wrong), expect=1)
    assert f"{wrong}:2: werkgever: no municipality named 'Leeuwarden'" in result.output
    assert "2 rows rejected; nothing imported" in result.output


def test_a_name_two_inspectors_share_is_not_guessed(session: Session, heerenveen: Municipality) -> None:
    for _ in range(2):
        factories.inspector(session, heerenveen, "Sjoerd Dijkstra")
    report = import_inspectors(session, NOW, "cli:import", excel(TEAM))
    assert [(r.line, r.reason.split(";")[0]) for r in report.rejections] == [
        (3, "naam: two inspectors in piket have this name")
    ]
