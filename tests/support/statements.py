"""The SQL a piece of code sends: for tests of how many statements it takes, and of their shape."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session


class Statements(list[str]):
    """The SQL sent, in order; `parameters` has each statement's as the driver got them (to run it
    again under EXPLAIN)."""

    def __init__(self) -> None:
        super().__init__()
        self.parameters: list[Any] = []


@contextmanager
def statements(on: Session | Engine) -> Iterator[Statements]:
    """The SQL sent on the session's engine (or this engine) inside the block."""
    seen = Statements()
    engine = on.get_bind() if isinstance(on, Session) else on

    def count(conn: object, cursor: object, statement: str, parameters: Any, *args: object) -> None:
        seen.append(statement)
        seen.parameters.append(parameters)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
