"""Liveness for load balancers and people: is the program up (/livez), and can it reach its
database with the schema this code expects (/healthz)?"""

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
    if not is_up_to_date(database.engine):
        return jsonify(status="schema_outdated", database="reachable"), 503
    return jsonify(status="ok", database="reachable")


@blueprint.get("/livez")
@allow(PUBLIC)
def alive() -> Any:
    """200 while the process answers at all; touches nothing else."""
    return jsonify(status="alive")
