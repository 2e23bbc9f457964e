"""What the benchmarks share: a PostgreSQL schema of their own, made afresh for each run."""

from __future__ import annotations

from sqlalchemy import text

from backend.db import make_engine


def schema_url(url: str, schema: str) -> str:
    """`url` with `schema` as the search path of every connection."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def fresh_schema(url: str, schema: str) -> str:
    """Drop and create `schema` in the database at `url`; returns the URL that uses it."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return schema_url(url, schema)
