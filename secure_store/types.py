"""SQLAlchemy column types that keep personal data sealed at rest."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Dialect, Text
from sqlalchemy.types import TypeDecorator

from secure_store.keyring import UnknownKeyError, current_keyring, reload_keyring


class EncryptedText(TypeDecorator[str]):
    """Text sealed with the active key on write and opened on read.

    ``context`` (conventionally ``"table.column"``) is bound into every value, so
    the rotation job and the backup know which column a value belongs to.
    """

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return current_keyring().encrypt(value, self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return current_keyring().decrypt(str(value), self.context)
        except UnknownKeyError:  # sealed by a key added since this process loaded its keys
            return reload_keyring().decrypt(str(value), self.context)


def blind_index(value: str, context: str) -> str:
    """The look-up digest stored beside an encrypted column (see KeyRing.blind_index)."""
    return current_keyring().blind_index(value, context)


def address_mark(normalised_address: str) -> str:
    """The repeat warning's hash of an address (see KeyRing.address_mark)."""
    return current_keyring().address_mark(normalised_address)
