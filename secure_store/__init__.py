"""Keys and cryptography for piket: nothing here knows Flask, Telegram or the models.

- `keyring`: data keys with ids (one active) and the MAC key; AES-256-GCM values
  that carry the id of the key that sealed them.
- `types`: SQLAlchemy column types that encrypt on the way in and out.
- `chain`: the hash chain behind the audit log.
- `stream`: chunked authenticated encryption for backups.
"""

from secure_store.keyring import (
    DecryptionError,
    KeyRing,
    KeyRingError,
    UnknownKeyError,
    current_keyring,
    reload_keyring,
    use_keyring,
)

__all__ = [
    "DecryptionError",
    "KeyRing",
    "KeyRingError",
    "UnknownKeyError",
    "current_keyring",
    "reload_keyring",
    "use_keyring",
]
