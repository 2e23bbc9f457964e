import base64
import secrets
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from backend.config import ConfigError, Settings, load_settings


def test_nothing_set_gives_the_embedded_development_defaults(tmp_path: Path) -> None:
    settings = load_settings({"PIKET_DATA_DIR": str(tmp_path)})
    assert settings.environment == "development"
    assert settings.effective_database_url == f"sqlite:///{tmp_path.resolve() / 'piket.db'}"
    assert settings.port == 8000 and settings.timezone == "Europe/Amsterdam"


def test_an_unknown_setting_is_refused_with_a_suggestion() -> None:
    expected = r"PIKET_DATABSE_URL: unknown setting \(did you mean PIKET_DATABASE_URL\?\)"
    with pytest.raises(ConfigError, match=expected):
        load_settings({"PIKET_DATABSE_URL": "sqlite:///x"})


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("PIKET_PORT", "eighty", "PIKET_PORT: Input should be a valid integer"),
        ("PIKET_PORT", "70000", "PIKET_PORT: Input should be less than or equal to 65535"),
        ("PIKET_TIMEZONE", "Europe/Leeuwarden", "PIKET_TIMEZONE: unknown time zone"),
        ("PIKET_DATABASE_URL", "mysql://x", "PIKET_DATABASE_URL: use sqlite:///PATH"),
        ("PIKET_ENVIRONMENT", "staging", "PIKET_ENVIRONMENT: Input should be 'development' or 'production'"),
        ("PIKET_TELEGRAM_API_URL", "api.telegram.org", "PIKET_TELEGRAM_API_URL: must start with http"),
        (
            "PIKET_LEADER_POLL_SECONDS",
            "0",
            "PIKET_LEADER_POLL_SECONDS: Input should be greater than or equal to 1",
        ),
        (
            "PIKET_TELEGRAM_CHAT_INTERVAL_MS",
            "10",
            "PIKET_TELEGRAM_CHAT_INTERVAL_MS: Input should be greater than or equal to 50",
        ),
        (
            "PIKET_TELEGRAM_SENDS_PER_SECOND",
            "0",
            "PIKET_TELEGRAM_SENDS_PER_SECOND: Input should be greater than or equal to 1",
        ),
        (
            "PIKET_HEARTBEAT_SECONDS",
            "30",
            "PIKET_HEARTBEAT_SECONDS: Input should be less than or equal to 10",
        ),
    ],
)
def test_a_wrong_value_names_the_setting(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({name: value})


def test_a_secret_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("123:abc\n")
    settings = load_settings({"PIKET_TELEGRAM_TOKEN_FILE": str(secret)})
    assert settings.telegram_token is not None
    assert settings.telegram_token.get_secret_value() == "123:abc"


def test_a_missing_secret_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PIKET_SECRET_KEY_FILE: cannot read"):
        load_settings({"PIKET_SECRET_KEY_FILE": str(tmp_path / "absent")})


def test_a_secret_set_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "s").write_text("x")
    with pytest.raises(ConfigError, match="not both"):
        load_settings({"PIKET_SECRET_KEY": "y", "PIKET_SECRET_KEY_FILE": str(tmp_path / "s")})


def test_production_refuses_to_start_without_keys_secret_and_database() -> None:
    expected = "production needs PIKET_KEYS, PIKET_SECRET_KEY, PIKET_DATABASE_URL"
    with pytest.raises(ConfigError, match=expected):
        load_settings({"PIKET_ENVIRONMENT": "production"})


PRODUCTION = {"PIKET_ENVIRONMENT": "production", "PIKET_KEYS": "k", "PIKET_DATABASE_URL": "sqlite:///x.db"}


@pytest.mark.parametrize(
    "weak",
    [
        "a",
        "changeme",
        "x" * 64,
        "correct horse battery staple",
        "abcdefghijklmnopqrstuvwxyz",
        "0123456789abcdef" * 2,
    ],
    ids=str,
)
def test_production_refuses_a_weak_session_secret_and_says_how_to_make_one(weak: str) -> None:
    with pytest.raises(ConfigError, match=r"PIKET_SECRET_KEY: too weak .*openssl rand -base64 48"):
        load_settings({**PRODUCTION, "PIKET_SECRET_KEY": weak})
    assert load_settings({"PIKET_SECRET_KEY": weak}).secret_key is not None, "development takes any"


def test_production_accepts_a_generated_secret_of_32_bytes_or_more() -> None:
    for strong in (secrets.token_hex(32), base64.b64encode(secrets.token_bytes(48)).decode()):
        assert load_settings({**PRODUCTION, "PIKET_SECRET_KEY": strong}).is_production


@pytest.mark.parametrize(
    ("name", "beyond", "refusal", "default", "stand_in"),
    [
        ("PIKET_TELEGRAM_CHAT_INTERVAL_MS", "999", "below 1000", 1000, "100"),  # one a second to a chat
        ("PIKET_TELEGRAM_SENDS_PER_SECOND", "31", "above 30", 30, "300"),  # thirty a second in all
    ],
)
def test_production_keeps_to_telegrams_pace_and_a_stand_in_may_go_faster(
    name: str, beyond: str, refusal: str, default: int, stand_in: str
) -> None:
    production = {**PRODUCTION, "PIKET_SECRET_KEY": secrets.token_hex(32)}
    with pytest.raises(ConfigError, match=f"{name}: {refusal} breaks Telegram's"):
        load_settings({**production, name: beyond})
    field = name.removeprefix("PIKET_").lower()
    assert getattr(load_settings(production), field) == default
    assert getattr(load_settings({name: stand_in}), field) == int(stand_in)


def test_a_webhook_needs_its_secret_token() -> None:
    with pytest.raises(ConfigError, match="PIKET_WEBHOOK_SECRET"):
        load_settings({"PIKET_WEBHOOK_URL": "https://piket.example/telegram"})


def test_a_plain_postgresql_url_gets_the_psycopg_driver() -> None:
    settings = load_settings({"PIKET_DATABASE_URL": "postgresql://postgres@db/piket"})
    assert settings.effective_database_url == "postgresql+psycopg://postgres@db/piket"


NAMES = sorted(
    {"PIKET_" + name.upper() for name in Settings.model_fields}
    | {"PIKET_NOT_A_SETTING", "PIKET_KEYS_FILE", "PIKET_SECRET_KEY_FILE"}
)


@settings(max_examples=300, deadline=None)
@given(environ=st.dictionaries(st.sampled_from(NAMES), st.text(max_size=40), max_size=6))
@example(environ={"PIKET_DATA_DIR": "var\x00"})
@example(environ={"PIKET_KEYS_FILE": "\x00"})
@example(environ={"PIKET_SECRET_KEY_FILE": "\x00"})
def test_any_configuration_either_loads_usable_or_names_what_is_wrong(environ: dict[str, str]) -> None:
    try:
        loaded = load_settings(environ)
    except ConfigError as error:
        assert str(error).startswith("PIKET_") or "configuration" in str(error)
    else:
        assert loaded.effective_database_url and loaded.zone
