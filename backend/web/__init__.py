"""The Flask application factory: pages for coordinator, finance and admin, and the JSON API.

One transaction per request: it opens before the view, commits after a
successful answer (status below 400) and rolls back otherwise. Views and the
services below them only flush.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, flash, g, jsonify, redirect, render_template, request
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from backend.config import Settings
from backend.db import Database
from backend.services import accounts, installation
from backend.services.errors import ServiceError
from backend.web import access, i18n, problems
from backend.web.common import IdConverter, safe_path
from backend.web.schemas import Invalid
from scheduling.clock import Clock, SystemClock
from secure_store import DecryptionError

log = logging.getLogger("piket.web")


def create_app(settings: Settings, database: Database, clock: Clock | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        SESSION_COOKIE_NAME="piket_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=access.ABSOLUTE_SESSION_SECONDS),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.extensions["piket"] = {"settings": settings, "database": database, "clock": clock or SystemClock()}
    i18n.install(app)
    app.jinja_env.globals["csrf_token"] = access.csrf_token
    app.url_map.converters["int"] = IdConverter
    _register_blueprints(app)
    _register_transaction(app)
    _register_errors(app)
    app.after_request(access.security_headers)
    access.check_every_route_declares_roles(app)
    # Made now, beside the start (argon2 runs outside the GIL), so that no login waits for it.
    threading.Thread(target=accounts.dummy_hash, name="piket-dummy-hash", daemon=True).start()
    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.proxy_hops,
            x_proto=settings.proxy_hops,
            x_host=settings.proxy_hops,
        )
    return app


def _register_blueprints(app: Flask) -> None:
    from backend.web import (
        admin,
        api,
        auth,
        coordinator,
        finance,
        findings,
        handover,
        health,
        knobs,
        safety,
        work,
    )

    for module in (health, auth, coordinator, findings, finance, admin, knobs, api, work, handover, safety):
        app.register_blueprint(module.blueprint)


def _secret_key(settings: Settings) -> str:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    from backend.secrets_dev import dev_secret_key

    return dev_secret_key(settings)


def _register_transaction(app: Flask) -> None:
    """The database and settings are read from `app.extensions` at each request, where
    `create_app` put them (the tests point one app at one database after another: making an app
    compiles every route, which cost each web test 60 ms)."""

    @app.before_request
    def _open() -> None:
        if request.endpoint in (None, "static", "health.health", "health.alive"):
            return
        settings: Settings = app.extensions["piket"]["settings"]
        g.db = app.extensions["piket"]["database"].sessions()
        try:
            installation.follow_team_zone(g.db)
        except OperationalError:  # the database is away: the zone stays; what needs the database says 503
            g.db.rollback()
        access.identify(g.db, settings.session_idle_minutes * 60)
        access.check_csrf()

    @app.after_request
    def _commit(response: Any) -> Any:
        db = g.pop("db", None)
        if db is None:
            return response
        try:
            if response.status_code < 400 or g.get("keep_changes"):
                db.commit()
            else:
                db.rollback()
        except SQLAlchemyError as error:
            db.rollback()
            return _unavailable(error)
        finally:
            db.close()
        return response

    @app.teardown_request
    def _close(_error: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:  # the view raised past every handler: nothing it did is kept
            db.rollback()
            db.close()


def _unavailable(error: SQLAlchemyError) -> Any:
    log.warning("database unavailable: %s", type(getattr(error, "orig", error)).__name__)
    message = i18n.gettext("The database cannot be reached just now; please try again in a moment.")
    if access.is_api() or request.path == "/healthz":
        return jsonify(error="database_unavailable", message=message), 503, {"Retry-After": "5"}
    return render_template("error.html", code=503, message=message), 503, {"Retry-After": "5"}


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        code = error.code or 500
        headers = [(k, v) for k, v in error.get_headers() if k != "Content-Type"]  # Allow on a 405
        if access.is_api() or request.path == "/healthz":
            body = {"error": (error.name or "error").lower().replace(" ", "_"), "message": error.description}
            return jsonify(body), code, headers
        return render_template("error.html", code=code, message=_page_message(code)), code, headers

    @app.errorhandler(ServiceError)
    def _refused(error: ServiceError) -> Any:
        if access.is_api():
            body: dict[str, Any] = {"error": error.kind, "message": error.message, "field": error.field}
            if error.code is not None:  # a refusal of the core: its stable code, for clients to act on
                body["code"] = error.code
            if error.details:
                body["details"] = error.details
            return jsonify(body), error.status
        return _back_with(problems.refused(error), error.status)

    @app.errorhandler(Invalid)
    def _invalid(error: Invalid) -> Any:
        if access.is_api():
            return jsonify(error="invalid", message="the input does not fit", problems=error.problems), 422
        return _back_with(problems.invalid(error.problems))

    @app.errorhandler(OperationalError)
    def _database_down(error: OperationalError) -> Any:
        # The database is unreachable or locked: say so and let the client retry,
        # rather than a 500 that reads like a bug.
        return _unavailable(error)

    @app.errorhandler(DecryptionError)
    def _sealed_value_does_not_open(error: DecryptionError) -> Any:
        # A sealed value was changed or moved in the database behind piket's back. Nothing can make
        # the page right, so it stays a 500 (monitoring should see it), but a clear one: the log
        # names the column and row (the error never carries the value) for `piket keys verify`.
        log.error("a sealed value does not open: %s", error)
        message = i18n.gettext(
            "A stored value does not open: it was changed in the database outside "
            "piket. Nothing was changed; the administrator can find which value "
            "with `piket keys verify`."
        )
        if access.is_api():
            return jsonify(error="sealed_value_does_not_open", message=message), 500
        return render_template("error.html", code=500, message=message), 500


def _back_with(found: list[dict[str, str]], status: int = 422) -> Any:
    """A page's refused request: nothing it did is kept, and the person is back on the page they came
    from, the problem above it in their language (a form that keeps what was typed handles its own).
    Without such a page (an address typed or bookmarked), the problem is the page."""
    if "db" in g:
        g.db.rollback()
    referrer = urlsplit(request.referrer or "")
    back = safe_path(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
    sentences = problems.labelled(found)
    if (
        referrer.netloc != request.host
        or back is None
        or back == request.full_path.rstrip("?")
        or (request.method == "GET" and status == 404)
    ):
        return render_template("error.html", code=status, message=" ".join(sentences)), status
    for sentence in sentences:
        flash(sentence, "problem")
    return redirect(back, 303)


def _page_message(code: int) -> str:
    messages = {
        400: i18n.gettext("The form was out of date; go back, reload the page and try again."),
        403: i18n.gettext("Your role does not give access to this page."),
        404: i18n.gettext("This page does not exist."),
        405: i18n.gettext("This page does not exist."),
        413: i18n.gettext("What you sent is too large."),
        429: i18n.gettext("Too many attempts; wait a few minutes."),
    }
    return messages.get(code, i18n.gettext("Something went wrong; nothing was changed."))
