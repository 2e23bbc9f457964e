"""The development-only session secret, generated once into the data directory."""

from __future__ import annotations

import logging
import os
import secrets

from backend.config import Settings

log = logging.getLogger(__name__)


def dev_secret_key(settings: Settings) -> str:
    """Production refuses to start without PIKET_SECRET_KEY (see config); development keeps one here."""
    path = settings.data_dir.resolve() / "dev-secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        log.warning("DEVELOPMENT ONLY: generated a session secret at %s", path)
    return path.read_text().strip()
