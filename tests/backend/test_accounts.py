"""Accounts at the service level: codes used once, sessions ended server-side, the shared throttle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy.orm import Session

from backend.models import Role, WebUser
from backend.services import accounts, login_throttle
from scheduling.clock import FrozenClock

PASSWORD = "a long enough password"


@pytest.fixture
def finance(session: Session, clock: FrozenClock) -> WebUser:
    user, _ = accounts.create_web_user(session, clock.now(), "test", "finance", Role.FINANCE)
    user.password_hash, user.must_change_password = accounts.hash_password(PASSWORD), False
    user.totp_secret = pyotp.random_base32()
    return user


def code(user: WebUser, clock: FrozenClock, shift: int = 0) -> str:
    assert user.totp_secret is not None
    return pyotp.TOTP(user.totp_secret).at(clock.now() + timedelta(seconds=30 * shift))


def test_a_code_is_used_once_and_older_codes_are_refused(
    session: Session, clock: FrozenClock, finance: WebUser
) -> None:
    accounts.log_in(session, clock.now(), "finance", PASSWORD, code(finance, clock, +1))
    for shift in (+1, 0, -1):
        with pytest.raises(accounts.LoginFailed):
            accounts.log_in(session, clock.now(), "finance", PASSWORD, code(finance, clock, shift))
    clock.advance(timedelta(seconds=60))
    assert accounts.log_in(session, clock.now(), "finance", PASSWORD, code(finance, clock)) is finance


def test_the_setup_code_cannot_log_in_again(session: Session, clock: FrozenClock) -> None:
    user, _ = accounts.create_web_user(session, clock.now(), "test", "auditor", Role.AUDITOR)
    accounts.new_totp_secret(session, user)
    accounts.finish_setup(session, clock.now(), user, PASSWORD, code(user, clock))
    with pytest.raises(accounts.LoginFailed):
        accounts.log_in(session, clock.now(), "auditor", PASSWORD, code(user, clock))


def test_logout_reset_switching_off_and_a_new_password_each_end_the_sessions(
    session: Session, clock: FrozenClock, finance: WebUser
) -> None:
    def ends_sessions(change: Callable[[], object]) -> bool:
        before = finance.session_generation
        change()
        return finance.session_generation > before

    assert ends_sessions(lambda: accounts.log_out(session, clock.now(), finance.id))
    assert ends_sessions(lambda: accounts.set_active(session, clock.now(), "admin", finance.id, False))
    assert ends_sessions(lambda: accounts.reset_web_user(session, clock.now(), "admin", finance.id))
    accounts.new_totp_secret(session, finance)
    new_code = code(finance, clock)
    assert ends_sessions(lambda: accounts.finish_setup(session, clock.now(), finance, PASSWORD, new_code))


def test_an_address_walking_through_names_waits_but_others_do_not(
    session: Session, clock: FrozenClock, finance: WebUser
) -> None:
    for number in range(login_throttle.ADDRESS_LIMIT):
        attempt = login_throttle.Attempt.of(f"user{number}", "192.0.2.1")
        login_throttle.count_failure(session, clock.now(), attempt)
    with pytest.raises(accounts.LoginFailed):
        accounts.log_in(session, clock.now(), "finance", PASSWORD, code(finance, clock), address="192.0.2.1")
    assert (
        accounts.log_in(
            session, clock.now(), "finance", PASSWORD, code(finance, clock), address="198.51.100.2"
        )
        is finance
    )
