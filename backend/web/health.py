"""Liveness for load balancers and people: is the program up, and can it reach its database?"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from backend.migrate import is_up_to_date
from backend.web.access import PUBLIC, allow

blueprint = Blueprint("health", __name__)


def _database() -> Any:
    return current_app.extensions["piket"]["database"]


@blueprint.get("/healthz")
@blueprint.get("/api/v1/health")
@allow(PUBLIC)
def health() -> Any:
    """200 when the database answers and its schema is current, 503 otherwise."""
    database = _database()
    database.ping()
    if not is_up_to_date(database.engine):
        return jsonify(status="schema_outdated", database="reachable"), 503
    return jsonify(status="ok", database="reachable")

