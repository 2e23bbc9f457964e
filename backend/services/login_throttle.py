"""The login throttle, kept in the database so that every instance counts the same failures.

A failure counts against the pair (account, address) and against the account.
An address that guesses wrong PAIR_LIMIT times waits for that account, without
locking out the owner at another address; only ACCOUNT_LIMIT failures from many
addresses lock the account itself. An address that walks through many names
waits after ADDRESS_LIMIT failures (far above what people at one office
mistype). All limits count failures in the last WINDOW, and rows older than
that are deleted as new ones arrive.

Usernames and addresses are stored as blind indexes: an unknown username may be
a password typed in the wrong field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from backend.models import LoginFailure
from secure_store.types import blind_index

WINDOW = timedelta(minutes=15)
PAIR_LIMIT = 5
ACCOUNT_LIMIT = 30
ADDRESS_LIMIT = 100


@dataclass(frozen=True)
class Attempt:
    """Who tries to log in, as the throttle knows them."""

    account_key: str
    address_key: str

    @classmethod
    def of(cls, username: str, address: str) -> Attempt:
        return cls(blind_index(username, "login_account"), blind_index(address, "login_address"))


def is_throttled(session: Session, now: datetime, attempt: Attempt) -> bool:
    """Too many recent failures for this account from this address, for this account, or from this address."""
    recent = LoginFailure.failed_at > now - WINDOW
    same_address = case((LoginFailure.address_key == attempt.address_key, 1), else_=0)
    total, from_here = session.execute(
        select(func.count(), func.coalesce(func.sum(same_address), 0)).where(
            LoginFailure.account_key == attempt.account_key, recent
        )
    ).one()
    from_address = session.execute(
        select(func.count()).where(LoginFailure.address_key == attempt.address_key, recent)
    ).scalar_one()
    return bool(from_here >= PAIR_LIMIT or total >= ACCOUNT_LIMIT or from_address >= ADDRESS_LIMIT)


def count_failure(session: Session, now: datetime, attempt: Attempt) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - WINDOW))
    session.add(LoginFailure(account_key=attempt.account_key, address_key=attempt.address_key, failed_at=now))
    session.flush()


def forget(session: Session, username: str) -> None:
    """An admin reset the account: its owner starts again without waiting."""
    account_key = blind_index(username, "login_account")
    session.execute(delete(LoginFailure).where(LoginFailure.account_key == account_key))
