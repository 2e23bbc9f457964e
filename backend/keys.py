"""Loading the key ring the program runs with, from PIKET_KEYS, PIKET_KEYS_FILE or a development file."""

from __future__ import annotations

import logging
from pathlib import Path

from backend.config import Settings
from secure_store import KeyRing, KeyRingError

log = logging.getLogger(__name__)

DEV_KEYS_NAME = "dev-keyring.json"


def dev_keys_path(settings: Settings) -> Path:
    return settings.data_dir.resolve() / DEV_KEYS_NAME


def keys_path(settings: Settings) -> Path | None:
    """The file that holds the keys, if they come from a file (configured or development)."""
    if settings.keys is not None:
        return None
    return settings.keys_file or dev_keys_path(settings)


def load_keyring(settings: Settings, *, create_dev_keys: bool = True) -> KeyRing:
    """The configured key ring; in development, a generated one kept in the data directory."""
    if settings.keys is not None:
        return KeyRing.from_json(settings.keys.get_secret_value(), source="PIKET_KEYS")
    if settings.keys_file is not None:
        return KeyRing.from_file(settings.keys_file)
    if settings.environment == "production":
        raise KeyRingError("production needs PIKET_KEYS or PIKET_KEYS_FILE")
    path = dev_keys_path(settings)
    if path.exists():
        return KeyRing.from_file(path)
    if not create_dev_keys:
        raise KeyRingError(f"no keys configured and no development key file at {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    keyring = KeyRing.generate()
    keyring.write(path)
    log.warning(
        "DEVELOPMENT ONLY: no PIKET_KEYS or PIKET_KEYS_FILE set; generated a key ring at %s. "
        "Anyone with that file can read the personal data in this database.",
        path,
    )
    return keyring
