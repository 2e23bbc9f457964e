"""Who is asking, and may they: web sessions, API tokens, CSRF, roles and security headers.

Every route declares its roles with `@allow(...)`; `create_app` refuses to start
if a route forgot to (see `check_every_route_declares_roles`), so no page is
public by accident. Pages answer a stranger with the login page, the API with 401.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from sqlalchemy.orm import Session

from backend.models import Role, WebUser
from backend.services import accounts

PUBLIC = "public"
ABSOLUTE_SESSION_SECONDS = 12 * 3600
CSRF_FIELD = "csrf_token"
ROUTE_ROLES_KEY = "_piket_roles"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Caller:
    """The person or token behind a request."""

    name: str
    """For the audit log: web:<username> or api:<token id>."""
    role: Role
    is_read_only: bool = False
    user_id: int | None = None
    is_token: bool = False
    """Identified by a bearer token (which a browser never sends on its own), not by a cookie."""


def allow(*roles: Role | str) -> Callable[[F], F]:
    """Let these roles (or PUBLIC) use the route; everyone else gets 403, strangers the login."""
    allowed = frozenset(roles)

    def decorate(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if PUBLIC not in allowed:
                caller = g.get("caller")
                if caller is None:
                    return _stranger()
                if caller.role not in allowed or (caller.is_read_only and request.method not in SAFE_METHODS):
                    abort(403)
            return view(*args, **kwargs)

        setattr(checked, ROUTE_ROLES_KEY, allowed)
        return checked  # type: ignore[return-value]

    return decorate


def roles_of(app: Flask, endpoint: str) -> frozenset[str] | None:
    return getattr(app.view_functions[endpoint], ROUTE_ROLES_KEY, None)


def check_every_route_declares_roles(app: Flask) -> None:
    missing = [e for e in app.view_functions if e != "static" and roles_of(app, e) is None]
    if missing:
        raise RuntimeError(f"routes without @allow: {', '.join(sorted(missing))}")


def _stranger() -> Any:
    if is_api():
        abort(401)
    return redirect(
        url_for(
            "auth.login",
            next=request.full_path if request.method == "GET" else None,
            expired=1 if g.get("session_expired") else None,
        )
    )


def is_api() -> bool:
    return request.path.startswith("/api/")


# -- sessions ---------------------------------------------------------------------------


def start_session(user: WebUser, now: float | None = None) -> None:
    """A new session for a user who just logged in (a fresh one: no fixation)."""
    session.clear()
    now = time.time() if now is None else now
    session.update(
        user_id=user.id,
        generation=user.session_generation,
        started=now,
        seen=now,
        csrf=secrets.token_urlsafe(32),
    )
    session.permanent = True


def identify(db: Session, idle_seconds: int) -> None:
    """Put the caller of this request in `g.caller`: a live session or an API token, or nobody."""
    g.caller = None
    if is_api() and "Authorization" in request.headers:
        _identify_token(db, request.headers["Authorization"])  # then only the token counts, never the cookie
        return
    user_id = session.get("user_id")
    if user_id is None:
        return
    now = time.time()
    too_long = now - session.get("started", 0) > ABSOLUTE_SESSION_SECONDS
    if now - session.get("seen", 0) > idle_seconds or too_long:
        _end_session()
        g.session_expired = True
        return
    user = db.get(WebUser, user_id)
    if user is None or not is_live(user) or accounts.needs_setup(user):
        _end_session()
        return
    session["seen"] = now
    g.caller = Caller(f"web:{user.username}", user.role, user_id=user.id)


def is_live(user: WebUser) -> bool:
    """The session was started since the account's sessions were last ended (logout, reset, off)."""
    return user.is_active and session.get("generation") == user.session_generation


def _end_session() -> None:
    """Forget who this was, but keep the form token: a form sent from a dead session goes to the login."""
    csrf = session.get("csrf")
    session.clear()
    if csrf is not None:
        session["csrf"] = csrf


def _identify_token(db: Session, header: str) -> None:
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer" or not token.strip():
        return
    found = accounts.api_token(db, current_app.extensions["piket"]["clock"].now(), token.strip())
    if found is not None:
        g.caller = Caller(f"api:{found.id}", found.role, is_read_only=found.is_read_only, is_token=True)


def caller() -> Caller:
    found: Caller = g.caller
    return found


# -- CSRF -------------------------------------------------------------------------------


def csrf_token() -> str:
    """The session's token, for every form (a stranger's login form gets one too)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    token: str = session["csrf"]
    return token


def check_csrf() -> None:
    """A changing request from a page must carry the session's token; the API uses bearer tokens."""
    if request.method in SAFE_METHODS:
        return
    if is_api() and (g.caller is None or g.caller.is_token):
        return  # a bearer token is not sent by a browser on its own; a stranger gets 401 instead
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token", "")
    expected = session.get("csrf")
    if not expected or not secrets.compare_digest(str(sent), str(expected)):
        abort(400, description="csrf")


# -- headers --------------------------------------------------------------------------------

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def security_headers(response: Any) -> Any:
    """No inline scripts, no framing, no sniffing, no referrer; nothing personal cached."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")  # a refused form goes back to its page
    if request.endpoint != "static":  # send_file says no-cache, which still lets an export be stored
        headers["Cache-Control"] = "no-store"
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
