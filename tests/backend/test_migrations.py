from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backend import migrate
from backend.db import Database
from backend.models import Base


def test_the_schema_goes_up_down_and_up_again(fresh_database: Database) -> None:
    engine = fresh_database.engine
    migrate.upgrade(engine)
    assert migrate.is_up_to_date(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert not set(Base.metadata.tables) & set(inspect(engine).get_table_names())
    migrate.upgrade(engine)
    assert migrate.is_up_to_date(engine)


def test_the_migrations_build_exactly_what_the_models_describe(migrated_database: Database) -> None:
    with migrated_database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, Base.metadata)
                       if not (isinstance(d, tuple) and d[0] == "remove_table"
                               and d[1].name in ("alembic_version", "scheduler_jobs"))]
    assert differences == []
