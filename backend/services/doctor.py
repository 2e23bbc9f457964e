"""`piket doctor`: is this deployment fit for a Friday night? One finding per check, OK / WARN / FAIL,
each with what to do.

Checks read; they change nothing. A check that cannot run because an earlier one
failed (no keys, no database) says so instead of failing again.
"""

from __future__ import annotations

import enum
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from backend import migrate
from backend.config import SECRET_HOW, Settings, secret_bits, secret_weakness
from backend.db import Database
from backend.keys import dev_keys_path, load_keyring
from backend.models import Designation, Inspector, Municipality, Region, Role, WebUser
from backend.rawdata import encrypted_columns, raw_tables
from backend.services import backup
from backend.services.errors import ServiceError
from scheduling.calendar import local_date
from secure_store import KeyRing, KeyRingError

SAMPLE = 25
"""Sealed values opened per column: enough to catch a wrong key ring, quick on any database."""
BACKUP_MAX_AGE = timedelta(hours=26)

Fetch = Callable[[str], dict[str, Any]]
"""Calls a Bot API method URL and returns its JSON answer (a stand-in in tests)."""


class Status(enum.StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    message: str
    """What was found and, unless OK, what to do about it."""

    def line(self) -> str:
        return f"{self.status.value:<4}  {self.check}: {self.message}"


@dataclass
class Deployment:
    """What the checks look at: the settings, and what could be opened with them."""

    settings: Settings
    now: datetime
    keyring: KeyRing | None = None
    database: Database | None = None


def examine(settings: Settings, now: datetime, fetch: Fetch | None = None) -> list[Finding]:
    """Every check, in the order an operator would fix things."""
    deployment = Deployment(settings, now)
    findings = [_keys_load(deployment), _secret(settings), _environment(settings), _database(deployment)]
    findings += list(_with_database(deployment))
    findings += [_telegram(settings, fetch or _fetch_json), _backups(settings, now)]
    if deployment.database is not None:
        deployment.database.dispose()
    return findings


def has_failures(findings: list[Finding]) -> bool:
    return any(f.status is Status.FAIL for f in findings)


# -- keys, secret, environment ---------------------------------------------------------------


def _keys_load(deployment: Deployment) -> Finding:
    settings = deployment.settings
    try:
        deployment.keyring = load_keyring(settings, create_dev_keys=False)
    except KeyRingError as error:
        return Finding(
            "keys",
            Status.FAIL,
            f"the key ring does not load ({error}); point "
            "PIKET_KEYS_FILE at this database's key ring (from the copy "
            "kept off the machine)",
        )
    if settings.keys is None and settings.keys_file is None:
        return Finding(
            "keys",
            Status.WARN,
            f"a development key ring ({dev_keys_path(settings)}); for real "
            "data: `piket keys generate --file F`, PIKET_KEYS_FILE=F, "
            "a copy off the machine",
        )
    return Finding("keys", Status.OK, f"the key ring loads (active key {deployment.keyring.active_id})")


def _secret(settings: Settings) -> Finding:
    if settings.secret_key is None:
        status = Status.FAIL if settings.is_production else Status.WARN
        return Finding(
            "session secret", status, "generated in the data directory (development); " + SECRET_HOW
        )
    value = settings.secret_key.get_secret_value()
    weakness = secret_weakness(value)
    if weakness:
        return Finding("session secret", Status.FAIL, f"PIKET_SECRET_KEY is {weakness}")
    return Finding("session secret", Status.OK, f"about {secret_bits(value)} bits")


def _environment(settings: Settings) -> Finding:
    signs = _production_signs(settings)
    if settings.is_production:
        return Finding("environment", Status.OK, "production")
    if signs:
        return Finding(
            "environment",
            Status.FAIL,
            f"development, but {', '.join(signs)}: set "
            "PIKET_ENVIRONMENT=production (it then refuses to start "
            "without keys, secret and database)",
        )
    return Finding("environment", Status.OK, "development (SQLite, no bot reachable from outside)")


def _production_signs(settings: Settings) -> list[str]:
    signs = []
    if settings.database_url.startswith("postgresql"):
        signs.append("the database is PostgreSQL")
    if settings.telegram_token is not None and "api.telegram.org" in settings.telegram_api_url:
        signs.append("a real Telegram bot is configured")
    if settings.host not in ("127.0.0.1", "localhost", "::1"):
        signs.append(f"the web listens on {settings.host}")
    if settings.webhook_url:
        signs.append("a webhook is configured")
    return signs


# -- the database and what is in it --------------------------------------------------------------


def _database(deployment: Deployment) -> Finding:
    database = Database(deployment.settings.effective_database_url)
    try:
        revision = migrate.current_revision(database.engine)
    except SQLAlchemyError as error:
        database.dispose()
        return Finding(
            "database",
            Status.FAIL,
            f"cannot be reached ({type(error).__name__}); check PIKET_DATABASE_URL and that the server runs",
        )
    head = migrate.head_revision(database.engine)
    if revision != head:
        database.dispose()
        return Finding(
            "database",
            Status.FAIL,
            f"at schema {revision or 'none'}, the code at {head}: run `piket db upgrade`",
        )
    deployment.database = database
    return Finding("database", Status.OK, f"reachable, at the latest schema ({head})")


def _with_database(deployment: Deployment) -> Iterator[Finding]:
    names = ("sealed values", "region", "accounts", "designations", "money and ORT tables")
    if deployment.database is None:
        for name in names:
            yield Finding(name, Status.WARN, "not checked: the database is not usable (see above)")
        return
    yield _sealed_values(deployment)
    today = local_date(deployment.now)
    with deployment.database.reading() as session:
        yield _region(session, deployment.settings)
        yield _accounts(session)
        yield _designations(session, today)
        yield tables_cover(session, today.year)


def _sealed_values(deployment: Deployment) -> Finding:
    """Open the newest SAMPLE values of every sealed column: a wrong key ring fails at the first."""
    assert deployment.database is not None
    if deployment.keyring is None:
        return Finding("sealed values", Status.WARN, "not checked: no key ring (see above)")
    opened, failures = 0, []
    with deployment.database.reading() as session:
        for table_name, columns in encrypted_columns().items():
            table = raw_tables()[table_name]
            pk = next(iter(table.primary_key.columns))
            for name, context in columns.items():
                values = session.execute(
                    select(pk, table.c[name])
                    .where(table.c[name].is_not(None))
                    .order_by(pk.desc())
                    .limit(SAMPLE)
                ).all()
                for key, value in values:
                    try:
                        deployment.keyring.decrypt(value, context, str(key))
                        opened += 1
                    except KeyRingError:
                        failures.append(f"{table_name}.{name} id={key}")
    if failures:
        return Finding(
            "sealed values",
            Status.FAIL,
            f"{len(failures)} of {opened + len(failures)} sampled values do not open "
            f"(first: {failures[0]}): this is not the key ring the data was sealed with; "
            "restore the right one (keep its copy off the machine), then `piket keys verify`",
        )
    return Finding("sealed values", Status.OK, f"a sample of {opened} values from every sealed column opens")


def _region(session: Session, settings: Settings) -> Finding:
    regions = list(session.execute(select(Region)).scalars())
    if not regions:
        return Finding(
            "region",
            Status.FAIL,
            "no region yet: run `piket setup --region NAME --timezone ZONE --admin USERNAME`",
        )
    region = regions[0]
    if region.timezone != settings.timezone:
        return Finding(
            "region",
            Status.WARN,
            f"{region.name}: rules in {region.timezone}, but "
            f"PIKET_TIMEZONE says {settings.timezone} (the region's "
            "zone is used); "
            "remove PIKET_TIMEZONE or make it agree",
        )
    return Finding("region", Status.OK, f"{region.name}, rules in {region.timezone}")


def _accounts(session: Session) -> Finding:
    missing = [role.value for role in (Role.ADMIN, Role.COORDINATOR) if not _has_ready_account(session, role)]
    if missing:
        return Finding(
            "accounts",
            Status.FAIL,
            f"no active {' or '.join(missing)} account with TOTP set up: "
            "an admin makes one on the admin page (the first admin: "
            "`piket setup`, or `piket users reset USERNAME`), and its "
            "owner logs in once",
        )
    return Finding("accounts", Status.OK, "an admin and a coordinator have logged in with TOTP")


def _has_ready_account(session: Session, role: Role) -> bool:
    return (
        session.execute(
            select(WebUser.id)
            .where(
                WebUser.role == role,
                WebUser.is_active.is_(True),
                WebUser.totp_secret.is_not(None),
                WebUser.must_change_password.is_(False),
            )
            .limit(1)
        ).first()
        is not None
    )


def _designations(session: Session, today: date) -> Finding:
    """Every participating municipality can send a pair today: two designated, one of them trained."""
    short = []
    participating = session.execute(
        select(Municipality).where(Municipality.is_participating.is_(True)).order_by(Municipality.name)
    ).scalars()
    for municipality in participating:
        designated, trained = _designated(session, municipality.id, today)
        if designated < 2 or trained < 1:
            short.append(f"{municipality.name} ({designated} designated, {trained} trained)")
    if short:
        return Finding(
            "designations",
            Status.FAIL,
            f"no pair possible in {', '.join(short)}: record the "
            "designations (admin page or `piket import inspectors`)",
        )
    return Finding(
        "designations",
        Status.OK,
        "every participating municipality has two designated inspectors, one of them trained",
    )


def _designated(session: Session, municipality_id: int, today: date) -> tuple[int, int]:
    in_force = select(Designation.inspector_id).where(
        Designation.municipality_id == municipality_id,
        Designation.valid_from <= today,
        (Designation.valid_until.is_(None)) | (Designation.valid_until >= today),
    )
    active = select(Inspector).where(Inspector.is_active.is_(True), Inspector.id.in_(in_force))
    designated = session.execute(select(func.count()).select_from(active.subquery())).scalar_one()
    trained = session.execute(
        select(func.count()).select_from(active.where(Inspector.trained_since <= today).subquery())
    ).scalar_one()
    return int(designated), int(trained)


def tables_cover(session: Session, year: int) -> Finding:
    """The team's ORT tables cover all of this year and next, and its budgets (the rates change every
    year) next year and every year since the first budget: read from the database (the profile)."""
    from backend.services import profile
    from scheduling import tables as dated

    name = "money and ORT tables"
    try:
        ort_tables = profile.band_tables(session)
    except ServiceError as refused:
        return Finding(name, Status.FAIL, refused.message)
    budgets = [profile.budget(session, row.year) for row in profile.budget_rows(session)]
    if not budgets:
        return Finding(name, Status.FAIL, "no budget is loaded: load the team's profile (piket profile load)")
    ort_years, budget_years = set(dated.covered_years(ort_tables)), set(dated.covered_years(budgets))
    wanted_budget = {y for y in (year, year + 1) if y >= min(b.effective_from.year for b in budgets)}
    missing = [f"ORT {y}" for y in (year, year + 1) if y not in ort_years]
    missing += [f"budget {y}" for y in sorted(wanted_budget) if y not in budget_years]
    covered = f"ORT {dated.covered_text(ort_tables)}; budget {dated.covered_text(budgets)}"
    if missing:
        return Finding(
            name,
            Status.FAIL,
            f"no table for {', '.join(missing)} ({covered}): add the ORT table "
            "of the collective agreement in force, and next year's budget",
        )
    return Finding(name, Status.OK, covered)


# -- outside: Telegram and the backups ----------------------------------------------------------------


def _fetch_json(url: str) -> dict[str, Any]:
    """The Bot API's JSON answer; a refusal (401, 404) is an answer too, with ok: false."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - our configured Bot API URL
            return dict(json.load(answer))
    except urllib.error.HTTPError as refusal:
        return dict(json.load(refusal))


def _telegram(settings: Settings, fetch: Fetch) -> Finding:
    if settings.telegram_token is None:
        return Finding(
            "telegram",
            Status.WARN,
            "no bot (PIKET_TELEGRAM_TOKEN is not set): inspectors get "
            "nothing; set it to the token from @BotFather",
        )
    base = settings.telegram_api_url + settings.telegram_token.get_secret_value()
    try:
        me, hook = fetch(base + "/getMe"), fetch(base + "/getWebhookInfo")
    except (urllib.error.URLError, OSError, ValueError) as error:
        # Only the type: the message of a failed request can carry the URL, and with it the token.
        return Finding(
            "telegram",
            Status.FAIL,
            "the Bot API does not answer getMe "
            f"({type(error).__name__}); check PIKET_TELEGRAM_TOKEN "
            "and the network",
        )
    if not me.get("ok"):
        return Finding(
            "telegram", Status.FAIL, "getMe refused the token: take the current one from @BotFather"
        )
    return _bot_modes_agree(settings, str(me.get("result", {}).get("username", "?")), hook.get("result", {}))


def _bot_modes_agree(settings: Settings, username: str, hook: dict[str, Any]) -> Finding:
    registered = str(hook.get("url") or "")
    if settings.telegram_bot_username and settings.telegram_bot_username != username:
        return Finding(
            "telegram",
            Status.WARN,
            f"the token is @{username}'s, PIKET_TELEGRAM_BOT_USERNAME "
            f"says @{settings.telegram_bot_username}: enrolment links "
            "would open the wrong bot",
        )
    if settings.webhook_url is None and registered:
        return Finding(
            "telegram",
            Status.WARN,
            f"@{username} polls, but Telegram holds a webhook: another "
            "deployment may use this token (piket removes the webhook "
            "when it starts polling)",
        )
    if settings.webhook_url is not None and not settings.webhook_url.startswith("https://"):
        return Finding(
            "telegram", Status.FAIL, "Telegram only calls https:// webhooks: fix PIKET_WEBHOOK_URL"
        )
    if settings.webhook_url is not None and registered and registered != settings.webhook_url:
        return Finding(
            "telegram",
            Status.WARN,
            f"@{username}'s webhook at Telegram is not "
            "PIKET_WEBHOOK_URL: another deployment may use this token",
        )
    mode = "by webhook" if settings.webhook_url else "by polling"
    return Finding("telegram", Status.OK, f"@{username} answers; updates {mode}")


def _backups(settings: Settings, now: datetime) -> Finding:
    if settings.backup_dir is None:
        status = Status.FAIL if settings.is_production else Status.WARN
        return Finding(
            "backup",
            status,
            "no scheduled backups: set PIKET_BACKUP_DIR (on another disk, copied off the machine)",
        )
    newest = backup.latest(settings.backup_dir)
    if newest is None:
        return Finding(
            "backup",
            Status.FAIL,
            f"no backup in {settings.backup_dir}: is the scheduler running "
            "(`piket serve` or `piket scheduler`)? `piket backup FILE` "
            "makes one now",
        )
    age = now - newest.written_at
    if age > BACKUP_MAX_AGE:
        hours = int(age.total_seconds() // 3600)
        return Finding(
            "backup",
            Status.FAIL,
            f"the newest backup ({newest.name}) is {hours} hours old: is the scheduler running? see its log",
        )
    return Finding(
        "backup",
        Status.OK,
        f"{newest.name}, {newest.size_bytes // 1024} kB, {int(age.total_seconds() // 3600)} hours old",
    )
