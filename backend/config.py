"""Typed configuration from PIKET_* environment variables, validated once at start.

The loader is our own (over a pydantic model) so that it can be stricter than
pydantic-settings: it reads `_FILE` secrets and refuses unknown PIKET_ names.

Secrets may also come from a file named in ``PIKET_X_FILE`` (Docker and systemd
credentials). An unknown PIKET_* variable is refused, because a typo such as
PIKET_DATABSE_URL would otherwise quietly start on the wrong database.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

PREFIX = "PIKET_"
# PIKET_KEYS_FILE is a setting of its own (the key ring file can be rewritten by `piket keys`).
SECRETS = ("telegram_token", "webhook_secret", "secret_key")
# Read by the test suite and the benchmarks, not by the program.
FOREIGN = {
    "PIKET_TEST_DATABASE_URL",
    "PIKET_TEST_REQUIRE_EMULATOR",
    "PIKET_TEST_REQUIRE_BROWSER",
    "PIKET_TEST_WORKERS",
    "PIKET_TEST_OUTPUT",
    "PIKET_PYTHON",
}


SECRET_MIN_BITS = 256
SECRET_HOW = "make one with `openssl rand -base64 48 > FILE` and set PIKET_SECRET_KEY_FILE=FILE"  # noqa: S105 - advice, not a secret
_CHARACTER_CLASSES = ((str.islower, 26), (str.isupper, 26), (str.isdigit, 10))
_OTHER_CHARACTERS = 33


def secret_bits(value: str) -> int:
    """An upper estimate of a secret's entropy: its length times the bits of the character classes it uses.

    Generated secrets (base64, hex) come out at about their true strength; a word,
    a repeated character or a short string comes out far below 256 bits.
    """
    alphabet = sum(size for test, size in _CHARACTER_CLASSES if any(test(c) for c in value))
    if any(not (c.isascii() and c.isalnum()) for c in value):
        alphabet += _OTHER_CHARACTERS
    if len(set(value)) < 10 or alphabet < 2:
        # too few different characters to be random, however long (64 random hex digits miss one of
        # the 16 a quarter of the time, but fewer than 10 distinct about once in 10^12)
        return 0
    return int(len(value) * math.log2(alphabet))


def secret_weakness(value: str) -> str | None:
    """Why this session secret is too weak for production (at least 32 bytes of entropy), or None."""
    bits = secret_bits(value)
    if bits >= SECRET_MIN_BITS:
        return None
    return f"too weak (about {bits} bits, at least {SECRET_MIN_BITS} needed); {SECRET_HOW}"


TELEGRAM_CHAT_INTERVAL_MS = 1000
"""Telegram's own pace to one chat: about one message a second."""
TELEGRAM_SENDS_PER_SECOND = 30
"""Telegram's own pace for one bot over all its chats."""


class ConfigError(Exception):
    """The configuration is wrong; the message names the setting."""


class Settings(BaseModel):
    """Every setting, by its name without the PIKET_ prefix."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    keys: SecretStr | None = None
    keys_file: Path | None = None
    secret_key: SecretStr | None = None
    host: str = "127.0.0.1"
    proxy_hops: int = Field(default=0, ge=0, le=5)
    """Reverse proxies in front that set X-Forwarded-For/-Proto (1 behind nginx or Caddy); 0 trusts none.
    The login throttle and the audit need the client's address, not the proxy's."""
    port: int = Field(default=8000, ge=1, le=65535)
    timezone: str = "Europe/Amsterdam"
    """Only what `piket setup` offers for the region's zone (and the zone before setup): the rules use
    the region's zone, stored in the database."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    telegram_token: SecretStr | None = None
    telegram_bot_username: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]{5,32}$")
    """The bot's @name, for the deep link and QR code of an enrolment code."""
    telegram_api_url: str = "https://api.telegram.org/bot"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    retention_days: int = Field(default=30, ge=1, le=3650)
    reason_retention_days: int = Field(default=400, ge=31, le=3650)
    """A correction's reason (free text) is erased this long after it was entered; the hours stay."""
    misfire_grace_seconds: int = Field(default=300, ge=1)
    sweep_seconds: int = Field(default=15, ge=1, le=300)
    leader_poll_seconds: int = Field(default=10, ge=1, le=60)
    """How often each instance tries to take the scheduler's lead (and the leader checks that it still
    holds it): the longest a killed leader's jobs and bot, or a crashed bot process, wait to start again
    elsewhere, and how often the leader retries while the database is away."""
    heartbeat_seconds: int = Field(default=5, ge=1, le=10)
    """How often a running process reads the key file again and reports the keys it holds;
    `piket keys rotate` waits two of these for every live process to hold the new key (an instance not
    heard of for 30 seconds counts as gone, hence at most 10). Give every process the same value."""
    telegram_chat_interval_ms: int = Field(default=1000, ge=50, le=60_000)
    """The least time between two messages to one chat. Telegram asks for about one a second and
    answers faster sends with RetryAfter, so production refuses less than 1000; a stand-in Telegram
    (the fault tests, a development machine) may be served faster."""
    telegram_sends_per_second: int = Field(default=TELEGRAM_SENDS_PER_SECOND, ge=1, le=10_000)
    """The most messages a second over all chats. Telegram allows about 30, so production refuses
    more; a stand-in Telegram may be served faster."""
    offer_reminder_minutes: int = Field(default=15, ge=1, le=24 * 60)
    offer_escalation_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_idle_minutes: int = Field(default=30, ge=5, le=12 * 60)
    """A web session ends after this long without a request (and after 12 hours in any case)."""
    backup_dir: Path | None = None
    """Where the leader writes the daily encrypted backup; unset: no scheduled backups."""
    backup_time: str = Field(default="03:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    """Time of day (HH:MM, the region's zone) of the daily backup."""
    backup_keep: int = Field(default=14, ge=1, le=3650)
    """How many daily backups stay in PIKET_BACKUP_DIR; older ones are removed."""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("secret_key")
    @classmethod
    def _strong_in_production(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        weakness = None if value is None else secret_weakness(value.get_secret_value())
        if weakness and info.data.get("environment") == "production":
            raise ValueError(weakness)
        return value

    @field_validator("telegram_chat_interval_ms")
    @classmethod
    def _telegrams_pace_in_production(cls, value: int, info: ValidationInfo) -> int:
        if value < TELEGRAM_CHAT_INTERVAL_MS and info.data.get("environment") == "production":
            raise ValueError(
                f"below {TELEGRAM_CHAT_INTERVAL_MS} breaks Telegram's limit of about one message a "
                "second to a chat; only a development machine may pace a stand-in faster"
            )
        return value

    @field_validator("telegram_sends_per_second")
    @classmethod
    def _telegrams_rate_in_production(cls, value: int, info: ValidationInfo) -> int:
        if value > TELEGRAM_SENDS_PER_SECOND and info.data.get("environment") == "production":
            raise ValueError(
                f"above {TELEGRAM_SENDS_PER_SECOND} breaks Telegram's limit of about "
                f"{TELEGRAM_SENDS_PER_SECOND} messages a second; only a development machine may "
                "pace a stand-in faster"
            )
        return value

    @field_validator("data_dir", "keys_file", "backup_dir")
    @classmethod
    def _usable_path(cls, value: Path | None) -> Path | None:
        if value is not None and "\x00" in str(value):
            raise ValueError("a path cannot contain a NUL character")
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite:///", "postgresql+psycopg://", "postgresql://")):
            raise ValueError("use sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB")
        if value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("telegram_api_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.keys is not None and self.keys_file is not None:
            raise ValueError("set PIKET_KEYS or PIKET_KEYS_FILE, not both")
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("a webhook (PIKET_WEBHOOK_URL) needs PIKET_WEBHOOK_SECRET")
        if self.environment == "production":
            missing = [n for n in ("keys", "secret_key", "database_url") if not self._has(n)]
            if missing:
                names = ", ".join(PREFIX + n.upper() for n in missing)
                raise ValueError(f"production needs {names}")

        return self

    def _has(self, name: str) -> bool:
        return bool(getattr(self, name)) or (name == "keys" and self.keys_file is not None)

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'piket.db'}"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def backup_at(self) -> time:
        hour, minute = self.backup_time.split(":")
        return time(int(hour), int(minute))


def _known_names() -> set[str]:
    fields = {PREFIX + name.upper() for name in Settings.model_fields}
    return fields | {PREFIX + name.upper() + "_FILE" for name in SECRETS} | FOREIGN


def _environment_with_files(environ: Mapping[str, str]) -> dict[str, str]:
    values = {k: v for k, v in environ.items() if k.startswith(PREFIX) and k not in FOREIGN}
    for name in SECRETS:
        var = PREFIX + name.upper()
        path = values.pop(var + "_FILE", None)
        if path is None:
            continue
        if var in values:
            raise ConfigError(f"{var}: set {var} or {var}_FILE, not both")
        try:
            values[var] = Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigError(f"{var}_FILE: cannot read {path}: {error.strerror}") from None
        except ValueError:  # a NUL character: no file can have that name
            raise ConfigError(f"{var}_FILE: not a usable path (it contains a NUL character)") from None
    return values


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check the settings, or raise ConfigError naming what is wrong."""
    environ = os.environ if environ is None else environ
    known = _known_names()
    for name in environ:
        if name.startswith(PREFIX) and name not in known:
            hint = difflib.get_close_matches(name, known, n=1)
            raise ConfigError(f"{name}: unknown setting" + (f" (did you mean {hint[0]}?)" if hint else ""))
    values = _environment_with_files(environ)
    kwargs = {k.removeprefix(PREFIX).lower(): v for k, v in values.items()}
    try:
        return Settings.model_validate(kwargs)
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem["loc"])
        name = PREFIX + where.upper() if where else "configuration"
        lines.append(f"{name}: {problem['msg'].removeprefix('Value error, ')}")
    return "; ".join(lines)
