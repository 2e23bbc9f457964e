"""Web accounts: one-time passwords at creation, argon2id hashes at rest."""

from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from backend.models import Role, WebUser
from backend.services import audit

_hasher = PasswordHasher()


def one_time_password() -> str:
    """About 95 bits, in groups a person can type: xxxx-xxxx-xxxx-xxxx."""
    raw = secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_web_user(session: Session, at: datetime, actor: str, username: str, role: Role,
                    inspector_id: int | None = None) -> tuple[WebUser, str]:
    """Create an account that must change its password at first login; returns it and the password."""
    password = one_time_password()
    user = WebUser(username=username, role=role, password_hash=hash_password(password),
                   inspector_id=inspector_id, must_change_password=True, created_at=at)
    session.add(user)
    session.flush()
    audit.record(session, at, actor, "web_user.created", f"web_user:{user.id}", {"role": role.value})
    return user, password
