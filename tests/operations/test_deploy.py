"""The deployment files in deploy/: systemd units that systemd accepts, an environment template that
names every setting piket has, and a proxy example that forwards what piket expects."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from flask import request
from sqlalchemy import create_engine

from backend.config import FOREIGN, _known_names, load_settings
from backend.db import Database
from backend.web import create_app
from secure_store import KeyRing

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))
INSTALLED_PIKET = "/opt/piket/venv/bin/piket"


def test_there_is_a_unit_for_serve_and_for_each_part_apart() -> None:
    commands = {re.search(r"^ExecStart=\S+ (\w+)$", u.read_text(), re.M).group(1) for u in UNITS}  # type: ignore[union-attr]
    assert commands == {"serve", "web", "scheduler", "bot"}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_every_unit_without_a_warning(tmp_path: Path) -> None:
    """`systemd-analyze verify` also checks that ExecStart runs: point it at this checkout's piket."""
    piket = Path(sys.executable).parent / "piket"
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace(INSTALLED_PIKET, str(piket)))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(map(str, tmp_path.iterdir()))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_units_hand_secrets_over_as_credentials_not_in_the_environment_file() -> None:
    for unit in UNITS:
        text = unit.read_text()
        assert "LoadCredential=keyring.json:/etc/piket/keyring.json" in text
        assert "PIKET_KEYS_FILE=%d/keyring.json" in text and "EnvironmentFile=/etc/piket/piket.env" in text


def _template() -> str:
    return (DEPLOY / "piket.env.example").read_text()


def test_the_environment_template_names_every_setting_and_nothing_else() -> None:
    named = set(re.findall(r"\bPIKET_[A-Z_]+[A-Z]\b", _template()))
    settings = _known_names() - FOREIGN
    assert sorted(settings - named) == []
    assert sorted(named - settings) == []


def test_the_environment_template_as_it_stands_is_a_valid_production_configuration(tmp_path: Path) -> None:
    active = dict(line.split("=", 1) for line in _template().splitlines() if line.startswith("PIKET_"))
    keys, secret = tmp_path / "keyring.json", tmp_path / "secret"
    KeyRing.generate().write(keys)
    secret.write_text(secrets.token_urlsafe(48))
    settings = load_settings({**active, "PIKET_KEYS_FILE": str(keys), "PIKET_SECRET_KEY_FILE": str(secret)})
    assert settings.is_production and settings.proxy_hops == 1 and settings.backup_dir is not None


def test_the_proxy_example_forwards_to_piket_and_its_webhook() -> None:
    text = (DEPLOY / "nginx.conf").read_text()
    assert "proxy_pass http://127.0.0.1:8000;" in text
    assert "proxy_pass http://127.0.0.1:8001/telegram;" in text  # the webhook listens on PIKET_PORT + 1
    assert "ssl_certificate " in text and "X-Forwarded-For" in text


def test_behind_one_proxy_piket_sees_the_client_address(tmp_path: Path) -> None:
    """With PIKET_PROXY_HOPS=1 the login throttle counts the client, not the proxy."""
    seen = []
    database = Database(f"sqlite:///{tmp_path / 'x.db'}", create_engine(f"sqlite:///{tmp_path / 'x.db'}"))
    for hops, expected in (("0", "127.0.0.1"), ("1", "203.0.113.9")):
        settings = load_settings(
            {"PIKET_DATA_DIR": str(tmp_path), "PIKET_SECRET_KEY": "x" * 40, "PIKET_PROXY_HOPS": hops}
        )
        app = create_app(settings, database)
        app.after_request(lambda response: seen.append(request.remote_addr) or response)
        app.test_client().get(
            "/livez", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        assert seen[-1] == expected
    database.dispose()
