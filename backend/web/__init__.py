"""The Flask application factory: pages for coordinator, finance and admin, and the JSON API."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from backend.config import Settings
from backend.db import Database
from scheduling.clock import Clock, SystemClock


def create_app(settings: Settings, database: Database, clock: Clock | None = None) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = _secret_key(settings)
    app.extensions["piket"] = {"settings": settings, "database": database,
                               "clock": clock or SystemClock()}
    from backend.web import health

    app.register_blueprint(health.blueprint)
    _register_errors(app)
    return app


def _secret_key(settings: Settings) -> str:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    from backend.secrets_dev import dev_secret_key

    return dev_secret_key(settings)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if not _wants_json():
            return error
        body = {"error": (error.name or "error").lower().replace(" ", "_"),
                "message": error.description}
        return jsonify(body), error.code

    @app.errorhandler(OperationalError)
    def _database_down(error: OperationalError) -> Any:
        # The database is unreachable or locked: say so and let the client retry,
        # rather than a 500 that reads like a bug.
        app.logger.warning("database unavailable: %s", type(error.orig).__name__)
        body = {"error": "database_unavailable",
                "message": "De database is even niet bereikbaar; probeer het zo opnieuw."}
        return jsonify(body), 503, {"Retry-After": "5"}
