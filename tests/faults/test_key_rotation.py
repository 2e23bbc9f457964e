"""Key rotation while `piket serve` runs: `piket keys add` and `piket keys rotate` from another process,
and logins and call-outs go on (no 500 from a key the running instance does not hold yet); rotation
waits for, and refuses while, a live instance that has not loaded the new active key."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp

from backend.models import Role
from backend.services import accounts
from secure_store import KeyRing
from tests.faults.conftest import Site
from tests.faults.processes import Instance, log_in, piket
from tests.faults.scenario import Crew, seed_crew

PASSWORD = "een lang wachtwoord voor de test"


def coordinator(site: Site) -> tuple[str, str]:
    """A set-up web account (password and authenticator) and an API token; returns the secret and token."""
    now = site.now()
    with site.database.transaction() as session:
        user, _ = accounts.create_web_user(session, now, "test", "coordinator", Role.COORDINATOR)
        secret = accounts.new_totp_secret(session, user)
        # the code of the step before, so that the login below may use this step's (a code works once)
        earlier = pyotp.TOTP(secret).at(now - timedelta(seconds=30))
        accounts.finish_setup(session, now, user, PASSWORD, earlier)
        _, token = accounts.create_api_token(session, now, "test", "planning", Role.COORDINATOR, False)
    return secret, token


def new_callout(server: Instance, crew: Crew, token: str, days: int) -> int:
    day = (Site.now() + timedelta(days=days)).date().isoformat()
    status, _ = server.request(
        "POST",
        "/api/v1/callouts",
        {
            "municipality_id": crew.municipalities[0],
            "source": "police",
            "day": day,
            "start": "20:00",
            "end": "23:00",
            "location": "Teststraat 1",
        },
        token=token,
    )
    return status


def test_keys_add_and_rotate_under_a_running_instance_keep_logins_and_callouts_working(site: Site) -> None:
    crew = seed_crew(site.database, site.now(), size=4)
    secret, token = coordinator(site)
    server = site.serve()
    assert new_callout(server, crew, token, days=1) == 201
    env = site.env()
    assert piket(env, "keys", "add").returncode == 0
    rotated = piket(env, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    new_key = KeyRing.from_file(site.keys_file).active_id
    assert f"under key {new_key}" in rotated.stdout

    assert new_callout(server, crew, token, days=2) == 201
    status, page = log_in(server.port, "coordinator", PASSWORD, pyotp.TOTP(secret).now())
    assert status == 200 and "logout" in page, page[-2000:]
    assert "UnknownKeyError" not in server.log()


def test_rotation_refuses_while_a_live_instance_lacks_the_new_key(site: Site) -> None:
    seed_crew(site.database, site.now(), size=2)
    old_keys = site.keys_file.read_text()
    # This one reads its keys from PIKET_KEYS, which cannot change under it.
    from_value = {k: v for k, v in site.env().items() if k != "PIKET_KEYS_FILE"} | {"PIKET_KEYS": old_keys}
    behind = Instance.start(from_value, site.tmp / "behind.log")
    site.instances.append(behind)
    env = site.env()
    assert piket(env, "keys", "add").returncode == 0
    refused = piket(env, "keys", "rotate")
    assert refused.returncode == 1
    new_key = json.loads(site.keys_file.read_text())["active"]
    # The instance and its bot's two processes (polling, outbox sender): each holds keys of its
    # own, and all three lag.
    assert f"3 running instance(s) have not loaded key {new_key}" in refused.stderr
    assert "PIKET_KEYS" in refused.stderr

    behind.stop()  # gone: its row goes with it, and rotation proceeds
    assert piket(env, "keys", "rotate").returncode == 0
