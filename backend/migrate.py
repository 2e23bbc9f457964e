"""Alembic, configured in code so that `piket db upgrade` needs no alembic.ini beside it.

Alembic is imported only to migrate: whether a database is current is read without it (the version
table, and the newest revision named in the migration files), since every `piket` process asks that
at its start and importing alembic (with mako and pygments) took half a second of each."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = re.compile(r'^revision: str = "([^"]+)"$', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision: str \| None = (?:"([^"]+)"|None)$', re.MULTILINE)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: not migrated at all)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        found = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(found) > 1:
        raise RuntimeError(f"the database is at several revisions at once: {sorted(found)}")
    return found[0] if found else None


def head_revision(engine: Engine) -> str | None:
    return _head()


@cache
def _head() -> str:
    """The newest migration shipped with this code (the one no other revises); it cannot change while
    the program runs. tests/backend/test_migrations.py holds it to alembic's own reading."""
    revised: set[str | None] = set()
    revisions = set()
    for source in (MIGRATIONS / "versions").glob("*.py"):
        written = source.read_text(encoding="utf-8")
        revision, down = _REVISION.search(written), _DOWN_REVISION.search(written)
        if revision is None or down is None:
            raise RuntimeError(f"{source.name} names no revision or down_revision as migrations do")
        revisions.add(revision[1])
        revised.add(down[1])
    heads = revisions - revised
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine)
