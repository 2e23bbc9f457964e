"""Web accounts and API tokens: one-time passwords at creation, argon2id hashes at rest,
a TOTP second factor for every account, and a back-off after failed logins."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import ApiToken, Role, WebUser
from backend.services import audit, login_throttle
from backend.services.errors import NotFound, Refused

_hasher = PasswordHasher()


def one_time_password() -> str:
    """About 95 bits, in groups a person can type: xxxx-xxxx-xxxx-xxxx."""
    raw = secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_web_user(
    session: Session, at: datetime, actor: str, username: str, role: Role, inspector_id: int | None = None
) -> tuple[WebUser, str]:
    """Create an account that must change its password at first login; returns it and the password."""
    password = one_time_password()
    user = WebUser(
        username=username,
        role=role,
        password_hash=hash_password(password),
        inspector_id=inspector_id,
        must_change_password=True,
        created_at=at,
    )
    session.add(user)
    session.flush()
    audit.record(session, at, actor, "web_user.created", f"web_user:{user.id}", {"role": role.value})
    return user, password


def reset_web_user(session: Session, at: datetime, actor: str, user_id: int) -> tuple[WebUser, str]:
    """A lost password or authenticator: a new one-time password, and set-up again at the next login."""
    user = _web_user(session, user_id)
    password = one_time_password()
    user.password_hash, user.totp_secret, user.must_change_password = hash_password(password), None, True
    user.totp_last_step = None
    user.session_generation += 1
    login_throttle.forget(session, user.username)
    audit.record(session, at, actor, "web_user.reset", f"web_user:{user.id}")
    return user, password


def set_active(
    session: Session,
    at: datetime,
    actor: str,
    user_id: int,
    is_active: bool,
    acting_user_id: int | None = None,
) -> WebUser:
    """Switch an account off (its sessions end at once, everywhere) or on again; never one's own off."""
    if not is_active and user_id == acting_user_id:
        raise Refused("you cannot switch off your own account", field="user_id", code="own_account")
    user = _web_user(session, user_id)
    user.is_active = is_active
    user.session_generation += 1
    audit.record(
        session,
        at,
        actor,
        "web_user.activated" if is_active else "web_user.deactivated",
        f"web_user:{user.id}",
    )
    return user


def _web_user(session: Session, user_id: int) -> WebUser:
    user = session.get(WebUser, user_id)
    if user is None:
        raise NotFound("user_id", "no web account with this id")
    return user


# -- logging in -------------------------------------------------------------------------

TOTP_ISSUER = "piket"


class LoginFailed(Exception):
    """Wrong name, password or code, or a throttled account; the message never says which."""


def log_in(
    session: Session, now: datetime, username: str, password: str, code: str, address: str = "local"
) -> WebUser:
    """The account if all three are right; a new account (no second factor yet) needs only the password.

    Unknown, switched-off, throttled and wrong all fail alike and after the same
    work (one password hash), so neither the answer nor its time tells them
    apart. A try while throttled is refused unseen: it neither counts nor extends.
    """
    name = username.strip()
    user = session.execute(
        select(WebUser).where(WebUser.username == name).with_for_update()
    ).scalar_one_or_none()
    password_ok = password_matches(dummy_hash() if user is None else user.password_hash, password)
    attempt = login_throttle.Attempt.of(name, address)
    if login_throttle.is_throttled(session, now, attempt):
        raise LoginFailed
    if user is None or not user.is_active or not password_ok or not _second_factor_ok(user, code, now):
        login_throttle.count_failure(session, now, attempt)
        audit.record(
            session,
            now,
            "web:anonymous",
            "web_user.login_failed",
            "web_user:unknown" if user is None else f"web_user:{user.id}",
        )
        raise LoginFailed
    user.last_login_at = now
    audit.record(session, now, f"web:{user.username}", "web_user.logged_in", f"web_user:{user.id}")
    return user


def log_out(session: Session, now: datetime, user_id: int) -> None:
    """End every session of the account, on every instance: a copied cookie stops working too."""
    user = _web_user(session, user_id)
    user.session_generation += 1
    audit.record(session, now, f"web:{user.username}", "web_user.logged_out", f"web_user:{user.id}")


def needs_setup(user: WebUser) -> bool:
    """A new account sets its own password and second factor before it sees anything."""
    return user.must_change_password


def _second_factor_ok(user: WebUser, code: str, now: datetime) -> bool:
    return needs_setup(user) or _use_code(user, code, now)


def _use_code(user: WebUser, code: str, now: datetime) -> bool:
    """The code matches and is newer than the last one used; it is then used up (no replay)."""
    step = None if user.totp_secret is None else totp_step(user.totp_secret, code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


_DUMMY_HASH: str | None = None


def dummy_hash() -> str:
    """What an unknown name's password is checked against, so that it takes the work of a wrong
    password. Made once per process when first asked (argon2 at full cost: a tenth of a second, more
    on a loaded machine), not at import: the bot's processes and the CLI never log anyone in.
    `create_app` has it made on a thread of its own, so that no login is the one that waits for it
    (two made at once would both do: any one serves)."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not a password of anyone")
    return _DUMMY_HASH


def new_totp_secret(session: Session, user: WebUser) -> str:
    """A fresh secret for the setup page (sealed in the database until confirmed)."""
    user.totp_secret = pyotp.random_base32()
    session.flush()
    return user.totp_secret


def totp_uri(user: WebUser) -> str:
    assert user.totp_secret is not None
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=TOTP_ISSUER)


def totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is: now's or the one either side (clock drift on a phone)."""
    code = code.replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


MIN_PASSWORD_LENGTH = 12


def finish_setup(session: Session, now: datetime, user: WebUser, password: str, code: str) -> None:
    """Set the account's own password, once the code shows the authenticator app holds the secret."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Refused(
            "a password has at least %(limit)s characters",
            field="password",
            params={"limit": MIN_PASSWORD_LENGTH},
        )
    if not _use_code(user, code, now):
        raise Refused("the code does not match; check the time on the phone", field="code")
    user.password_hash = hash_password(password)
    user.must_change_password = False
    user.session_generation += 1
    audit.record(session, now, f"web:{user.username}", "web_user.set_up", f"web_user:{user.id}")


# -- API tokens ------------------------------------------------------------------------

API_TOKEN_DAYS = 365
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def create_api_token(
    session: Session, now: datetime, actor: str, name: str, role: Role, is_read_only: bool = True
) -> tuple[ApiToken, str]:
    """A bearer token (256 bits) for the API, shown once; only its SHA-256 is kept."""
    token = "pkt_" + secrets.token_urlsafe(32)
    made = ApiToken(
        name=name,
        token_hash=_sha256(token),
        role=role,
        is_read_only=is_read_only,
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=API_TOKEN_DAYS),
    )
    session.add(made)
    session.flush()
    audit.record(
        session,
        now,
        actor,
        "api_token.created",
        f"api_token:{made.id}",
        {"role": role.value, "read_only": is_read_only},
    )
    return made, token


def api_token(session: Session, now: datetime, token: str) -> ApiToken | None:
    """The live token for this bearer value, or None (unknown, expired or revoked)."""
    found = session.execute(
        select(ApiToken).where(ApiToken.token_hash == _sha256(token))
    ).scalar_one_or_none()
    if found is None or found.revoked_at is not None or found.expires_at <= now:
        return None
    if found.last_used_at is None or now - found.last_used_at > TOKEN_USE_RESOLUTION:
        found.last_used_at = now  # at most once a minute: a busy script should not write on every call
    return found


def revoke_api_token(session: Session, now: datetime, actor: str, token_id: int) -> None:
    found = session.get(ApiToken, token_id)
    if found is None:
        raise NotFound("token_id", "no API token with this id")
    found.revoked_at = found.revoked_at or now
    audit.record(session, now, actor, "api_token.revoked", f"api_token:{token_id}")


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
