"""The `site` fixture copies a demo database built once per session: the copy must be what loading
the demo afresh gives (the same rows and ids, the next id alike, the accounts' TOTP secrets)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, inspect, select, text

from backend.db import Database
from backend.models import Base, Role, WebUser
from backend.services import accounts
from scheduling.clock import FrozenClock
from tests.web.conftest import Site, build_site


def contents(database: Database) -> dict[str, list[tuple[object, ...]]]:
    """Each table's primary keys, in order."""
    found = {}
    with database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            keys = [getattr(table.c, column.name) for column in table.primary_key]
            found[table.name] = [tuple(row) for row in session.execute(select(*keys).order_by(*keys))]
        found["alembic_version"] = [tuple(session.execute(text("SELECT version_num FROM alembic_version")))]
    return found


def next_account_id(site: Site) -> int:
    with site.database.transaction() as session:
        user, _ = accounts.create_web_user(session, site.clock.now(), "test", "nieuw", Role.AUDITOR)
        return user.id


def test_every_account_logs_in_with_its_secret_and_a_change_stays_in_this_copy(site: Site) -> None:
    with site.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(WebUser)) == len(site.secrets)
    for role in site.secrets:
        assert site.client(role).get("/").status_code in (200, 302)
    next_account_id(site)  # the next test's copy must not hold it


def test_a_copied_site_holds_what_a_fresh_load_holds(
    site: Site, fresh_database: Database, tmp_path: Path
) -> None:
    fresh = build_site(fresh_database, FrozenClock(site.clock.now()), tmp_path)
    assert contents(site.database) == contents(fresh.database)
    tables = [set(inspect(made.database.engine).get_table_names()) for made in (site, fresh)]
    assert tables[0] == tables[1]
    assert next_account_id(site) == next_account_id(fresh)
