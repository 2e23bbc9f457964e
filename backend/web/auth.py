"""Logging in (password and TOTP code), the first-login set-up, logging out, and the language switch."""

from __future__ import annotations

from typing import Any

import segno
from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from markupsafe import Markup

from backend.i18n import LANGUAGES
from backend.models import Role, WebUser
from backend.services import accounts
from backend.services.errors import Refused
from backend.web import access, i18n
from backend.web.access import PUBLIC, allow
from backend.web.common import now, safe_path

blueprint = Blueprint("auth", __name__)

HOME = {
    Role.COORDINATOR: "coordinator.dashboard_page",
    Role.FINANCE: "finance.ledger_page",
    Role.ADMIN: "admin.overview",
    Role.AUDITOR: "finance.ledger_page",
}


@blueprint.get("/")
@allow(PUBLIC)
def index() -> Any:
    caller = g.get("caller")
    if caller is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME[caller.role]))


@blueprint.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html", expired=request.args.get("expired") == "1")
    try:
        user = accounts.log_in(
            g.db,
            now(),
            request.form.get("username", "")[:64],
            request.form.get("password", "")[:256],
            request.form.get("code", "")[:12],
            address=request.remote_addr or "?",
        )
    except accounts.LoginFailed:
        g.keep_changes = True  # the failure count must stick, though the answer is an error
        error = i18n.gettext("Username, password or code is wrong, or the account is locked for a while.")
        return render_template("login.html", error=error), 401
    if accounts.needs_setup(user):
        session.clear()
        session.update(setup_user=user.id, generation=user.session_generation, csrf=access.csrf_token())
        return redirect(url_for("auth.setup"))
    access.start_session(user)
    return redirect(safe_path(request.args.get("next")) or url_for("auth.index"))


@blueprint.route("/setup", methods=["GET", "POST"])
@allow(PUBLIC)
def setup() -> Any:
    """First login: the one-time password got us here; choose a password and add the authenticator."""
    user = g.db.get(WebUser, session.get("setup_user", -1))
    if user is None or not access.is_live(user) or not accounts.needs_setup(user):
        return redirect(url_for("auth.login"))
    error = None
    if request.method == "POST":
        password = request.form.get("password", "")[:256]
        try:
            if password != request.form.get("password_again", ""):
                raise Refused("the two passwords differ", field="password")
            accounts.finish_setup(g.db, now(), user, password, request.form.get("code", "")[:12])
        except Refused as refused:
            error = i18n.refusal(refused)
        else:
            access.start_session(user)
            return redirect(url_for("auth.index"))
    if user.totp_secret is None or request.method == "GET":
        accounts.new_totp_secret(g.db, user)
    uri = accounts.totp_uri(user)
    qr = Markup(segno.make(uri, error="m").svg_inline(scale=4))  # noqa: S704 - our own SVG, no user text
    return render_template("setup.html", qr=qr, secret=user.totp_secret, error=error), (422 if error else 200)


@blueprint.post("/logout")
@allow(PUBLIC)
def logout() -> Any:
    caller = g.get("caller")
    if caller is not None and caller.user_id is not None:
        accounts.log_out(g.db, now(), caller.user_id)
    session.clear()
    return redirect(url_for("auth.login"))


@blueprint.get("/lang/<code>")
@allow(PUBLIC)
def switch_language(code: str) -> Any:
    if code not in LANGUAGES:
        abort(404)
    response = redirect(safe_path(request.args.get("next")) or url_for("auth.index"))
    response.set_cookie(i18n.COOKIE, code, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response
