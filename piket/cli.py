"""The `piket` command line. Each command is an entry point: it opens one transaction at most."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select

from backend import migrate
from backend.config import ConfigError
from backend.keys import keys_path
from piket import team_commands
from piket.runtime import Runtime
from secure_store import KeyRing, KeyRingError

log = logging.getLogger("piket")


class PiketGroup(click.Group):
    """Turns configuration and key errors into one clear line and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as error:
            click.echo(f"piket: configuration error: {error}", err=True)
            sys.exit(2)
        except KeyRingError as error:
            click.echo(f"piket: key error: {error}", err=True)
            sys.exit(2)


@click.group(cls=PiketGroup)
@click.pass_context
def main(ctx: click.Context) -> None:
    """piket: call-outs, rosters and hours for a regional inspection team."""
    ctx.obj = Runtime.from_environment()


pass_runtime = click.make_pass_decorator(Runtime)


def _require_current_schema(runtime: Runtime) -> None:
    if not migrate.is_up_to_date(runtime.database.engine):
        raise click.ClickException("the database schema is not current; run `piket db upgrade`")


# -- database -------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@pass_runtime
def db_upgrade(runtime: Runtime, revision: str) -> None:
    """Create or upgrade the schema."""
    migrate.upgrade(runtime.database.engine, revision)
    click.echo(f"database at revision {migrate.current_revision(runtime.database.engine)}")


@db.command("downgrade")
@click.argument("revision")
@pass_runtime
def db_downgrade(runtime: Runtime, revision: str) -> None:
    """Step the schema back to REVISION ('base' removes every table)."""
    migrate.downgrade(runtime.database.engine, revision)
    click.echo(f"database at revision {migrate.current_revision(runtime.database.engine)}")


@db.command("current")
@pass_runtime
def db_current(runtime: Runtime) -> None:
    """Show the schema revision."""
    click.echo(migrate.current_revision(runtime.database.engine) or "empty")


# -- demo -----------------------------------------------------------------------------


@main.command()
@click.option("--reset", is_flag=True, help="Empty the database first (demo databases only).")
@pass_runtime
def demo(runtime: Runtime, reset: bool) -> None:
    """Load the Fryslân pilot as demo data and print the one-time passwords."""
    from backend.services.demo import DemoError, load_demo

    engine = runtime.database.engine
    if reset:
        _refuse_reset_unless_demo(runtime)
        migrate.downgrade(engine, "base")
        migrate.upgrade(engine)
    _require_current_schema(runtime)
    try:
        with runtime.database.transaction() as session:
            passwords = load_demo(session, runtime.clock.now())
    except DemoError as error:
        raise click.ClickException(f"{error} (use --reset on a demo database)") from None
    click.echo("Demo loaded: 14 municipalities (11 taking part), 12 inspectors, control days.")
    click.echo("Web accounts (one-time passwords, change at first login):")
    for username, password in passwords.items():
        click.echo(f"  {username:<12} {password}")


def _refuse_reset_unless_demo(runtime: Runtime) -> None:
    """`--reset` drops every table: only where the demo made the database, never in production."""
    from backend.rawdata import raw_tables
    from backend.services.installation import is_demo

    if runtime.settings.is_production:
        raise click.ClickException(
            "refused: PIKET_ENVIRONMENT is production; the demo never resets a production database"
        )
    engine = runtime.database.engine
    if migrate.current_revision(engine) is None:
        return  # no schema: nothing to lose
    _require_current_schema(runtime)
    with runtime.database.reading() as session:
        if is_demo(session):
            return
        tables = raw_tables().values()
        if all(session.execute(select(func.count()).select_from(t)).scalar() == 0 for t in tables):
            return
    raise click.ClickException(
        "refused: the demo did not make this database (it holds data of "
        "its own); --reset only empties demo databases"
    )


# -- the team's profile -----------------------------------------------------------------


@main.group()
def profile() -> None:
    """The team's knobs (region, municipalities, plan, budget, ORT tables) as one TOML file."""


@profile.command("load")
@click.argument("file_", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show the differences and change nothing.")
@pass_runtime
def profile_load(runtime: Runtime, file_: Path, dry_run: bool) -> None:
    """Show how FILE differs from the database, then apply it in one audited transaction."""
    from backend.profile_file import ProfileError, read_file
    from backend.services import profile as profiles
    from backend.services.errors import ServiceError

    _require_current_schema(runtime)
    try:
        wanted = read_file(file_)
    except ProfileError as error:
        raise click.ClickException(str(error)) from None
    try:
        with runtime.database.transaction() as session:
            changes = (
                profiles.differences(profiles.current_profile(session), wanted)
                if dry_run
                else profiles.load(session, runtime.clock.now(), "cli:profile", wanted)
            )
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    for change in changes:
        click.echo(str(change))
    unconfirmed = wanted.unconfirmed()
    if unconfirmed:
        click.echo(
            f"note: {len(unconfirmed)} figures are still to be confirmed by the team "
            f"(first: {unconfirmed[0]})",
            err=True,
        )
    if not changes:
        click.echo("no changes")
    elif dry_run:
        click.echo(f"{len(changes)} changes (dry run: nothing applied)")
    else:
        click.echo(f"{len(changes)} changes applied")


@profile.command("dump")
@pass_runtime
def profile_dump(runtime: Runtime) -> None:
    """Write the database's profile to standard output, in the format `profile load` reads."""
    from backend.profile_file import write_profile
    from backend.services import profile as profiles

    _require_current_schema(runtime)
    with runtime.database.transaction() as session:
        current = profiles.current_profile(session)
    if current is None:
        raise click.ClickException("there is no region yet; load a profile first")
    click.echo(
        write_profile(
            current,
            f"piket team profile of {current.region.name}, dumped {runtime.clock.now():%Y-%m-%d %H:%M} UTC",
        ),
        nl=False,
    )


# -- keys and audit -------------------------------------------------------------------


@main.group()
def keys() -> None:
    """Encryption keys: generate, add, rotate, remove, verify."""


def _key_file(runtime: Runtime) -> Path:
    path = keys_path(runtime.settings)
    if path is None:
        raise click.ClickException(
            "the keys come from PIKET_KEYS; edit that value instead "
            "(`piket keys generate --stdout` makes a new key ring)"
        )
    return path


@keys.command("generate")
@click.option("--file", "file_", type=click.Path(path_type=Path), help="Where to write it.")
@click.option("--stdout", is_flag=True, help="Print the key ring (for PIKET_KEYS) instead.")
@pass_runtime
def keys_generate(runtime: Runtime, file_: Path | None, stdout: bool) -> None:
    """Make a new key ring with one data key and a MAC key."""
    keyring = KeyRing.generate()
    if stdout:
        click.echo(keyring.to_json(), nl=False)
        return
    path = file_ or _key_file(runtime)
    if path.exists():
        raise click.ClickException(f"{path} exists; a new key ring would make its data unreadable")
    path.parent.mkdir(parents=True, exist_ok=True)
    keyring.write(path)
    click.echo(
        f"wrote a new key ring to {path} (active key {keyring.active_id}); keep a copy "
        "off this machine: without it the database cannot be read"
    )


@keys.command("add")
@pass_runtime
def keys_add(runtime: Runtime) -> None:
    """Add a new data key and make it the active one (then run `piket keys rotate`)."""
    path = _key_file(runtime)
    keyring = runtime.keyring.with_new_active_key()
    keyring.write(path)
    click.echo(f"added key {keyring.active_id} and made it active; run `piket keys rotate`")


@keys.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@pass_runtime
def keys_rotate(runtime: Runtime, batch_size: int) -> None:
    """Re-encrypt every value under the active key, in batches, while the service runs."""
    from datetime import timedelta

    from backend.services import audit
    from backend.services.instances import wait_for_key
    from backend.services.keys import rotate

    _require_current_schema(runtime)
    active = runtime.keyring.active_id
    heartbeat = runtime.settings.heartbeat_seconds
    behind = wait_for_key(runtime.database, runtime.clock.now, active, timedelta(seconds=2 * heartbeat))
    if behind:
        raise click.ClickException(
            f"refused: {len(behind)} running instance(s) have not loaded key {active} "
            f"({', '.join(behind)}); they read the key file every {heartbeat} seconds, so one "
            "that stays behind reads its keys from elsewhere (PIKET_KEYS): give it the new key ring and "
            "restart it"
        )
    count = rotate(
        runtime.database,
        runtime.keyring,
        batch_size,
        progress=lambda table, n: click.echo(f"  {table}: {n} re-encrypted"),
    )
    with runtime.database.transaction() as session:
        audit.record(
            session,
            runtime.clock.now(),
            "cli",
            "keys.rotated",
            "keyring",
            {"active": runtime.keyring.active_id, "values": count},
        )
    click.echo(f"{count} values re-encrypted under key {runtime.keyring.active_id}")


@keys.command("remove")
@click.argument("key_id")
@click.option(
    "--despite-backups",
    is_flag=True,
    help="Remove it though backups in PIKET_BACKUP_DIR need it (a copy of the key file is kept).",
)
@pass_runtime
def keys_remove(runtime: Runtime, key_id: str, despite_backups: bool) -> None:
    """Remove KEY_ID from the key ring, once no value needs it any more; names the backups that need it."""
    from backend.services.backup import needing_key
    from backend.services.keys import verify

    path = _key_file(runtime)
    smaller = runtime.keyring.without_key(key_id)
    in_use = verify(runtime.database, runtime.keyring).by_key.get(key_id, 0)
    if in_use:
        raise click.ClickException(f"{in_use} values still use key {key_id}; run `piket keys rotate` first")
    needing = needing_key(runtime.settings.backup_dir, key_id)
    if needing:
        click.echo(
            f"warning: {len(needing)} backups in {runtime.settings.backup_dir} need key {key_id} to "
            f"be restored: {', '.join(needing)}",
            err=True,
        )
        if not despite_backups:
            raise click.ClickException(
                "key kept; copy the key file (it holds the key) to where those "
                "backups are kept, then run again with --despite-backups"
            )
    smaller.write(path)
    click.echo(f"removed key {key_id}; the key ring now holds {', '.join(sorted(smaller.keys))}")


@keys.command("verify")
@pass_runtime
def keys_verify(runtime: Runtime) -> None:
    """Decrypt every value in the database; fail if any does not open."""
    from backend.services.keys import verify

    _require_current_schema(runtime)
    report = verify(runtime.database, runtime.keyring)
    for key_id in sorted(runtime.keyring.keys):
        marker = " (active)" if key_id == runtime.keyring.active_id else ""
        click.echo(f"key {key_id}{marker}: {report.by_key.get(key_id, 0)} values")
    for failure in report.failures[:20]:
        click.echo(f"  cannot decrypt {failure}", err=True)
    if not report.is_healthy:
        raise click.ClickException(f"{len(report.failures)} values cannot be decrypted")
    click.echo("every encrypted value opens")


@main.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@click.option(
    "--anchor",
    "anchor_text",
    metavar="SEQ:MAC",
    help="An anchor kept outside the database (the admins' daily message); by default the one "
    "in the newest backup in PIKET_BACKUP_DIR.",
)
@click.option(
    "--backup",
    "backup_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Take the anchor from this backup file's header.",
)
@pass_runtime
def audit_verify(runtime: Runtime, anchor_text: str | None, backup_file: Path | None) -> None:
    """Check the chain; name the first record that was altered, removed or inserted, and compare the
    log with the last anchor, which shows when its newest records were cut off."""
    from backend.services import audit as audit_service

    _require_current_schema(runtime)
    anchor, source = _anchor(runtime, anchor_text, backup_file)
    with runtime.database.transaction() as session:  # kept when broken: the audit page shows it too
        report = audit_service.walk(session, runtime.clock.now())
        problem = (
            audit_service.against_anchor(session, report, anchor) if anchor and report.is_intact else None
        )
    if not report.is_intact:
        raise click.ClickException(f"audit log broken at record {report.broken_seq}: {report.problem}")
    if problem:
        raise click.ClickException(f"audit log does not match the anchor from {source}: {problem}")
    click.echo(f"audit log intact: {report.count} records, head {report.head_mac[:16]}")
    click.echo(
        f"matches the anchor from {source} (record {anchor.seq})"
        if anchor
        else "no anchor to compare with: give --anchor or --backup, or set PIKET_BACKUP_DIR"
    )


def _anchor(runtime: Runtime, anchor_text: str | None, backup_file: Path | None) -> tuple[Any, str]:
    """The anchor to compare with and where it came from; (None, "") when there is none."""
    from backend.services import backup as backups
    from backend.services.audit import Anchor

    if anchor_text:
        try:
            return Anchor.parse(anchor_text), "--anchor"
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--anchor") from None
    newest = backups.latest(runtime.settings.backup_dir)
    path = backup_file or (
        runtime.settings.backup_dir / newest.name if newest and runtime.settings.backup_dir else None
    )
    if path is None:
        return None, ""
    try:
        return backups.anchor_of(path), f"backup {path.name}"
    except (OSError, ValueError, KeyRingError) as error:
        raise click.ClickException(f"cannot read the anchor in {path}: {error}") from None


# -- backup ---------------------------------------------------------------------------


@main.group()
def privacy() -> None:
    """The privacy paperwork piket can write itself."""


@privacy.command("register")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@pass_runtime
def privacy_register(runtime: Runtime, lang: str) -> None:
    """Print the record of processing (Markdown), generated from the model and the configuration."""
    from backend.services.privacy import Undescribed, register

    try:
        click.echo(register(runtime.settings, lang))
    except Undescribed as error:
        raise click.ClickException(str(error)) from None


CLI_ACTOR = "cli"


def disclosure_options(command: Any) -> Any:
    """--receiver and --purpose: asked of everything that hands data out, for the register."""
    command = click.option("--purpose", help="Why they need it (recorded; the last one is used if omitted).")(
        command
    )
    return click.option("--receiver", help="Who receives it (recorded; the last one is used if omitted).")(
        command
    )


def _disclosure(runtime: Runtime, kind: str, receiver: str | None, purpose: str | None) -> Any:
    """What was given, else what was given last time; refused before anything is written."""
    from backend.services import disclosures
    from backend.services.errors import ServiceError

    with runtime.database.transaction() as session:
        try:
            return disclosures.resolved(session, CLI_ACTOR, kind, receiver, purpose)
        except ServiceError as error:
            raise click.UsageError(f"--{error.field}: {error.message}") from None


@privacy.command("subject")
@click.argument("inspector_id", type=click.IntRange(1, 2**31 - 1))
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (made readable by its owner only) instead of standard output.",
)
@disclosure_options
@pass_runtime
def privacy_subject(
    runtime: Runtime, inspector_id: int, out: Path | None, receiver: str | None, purpose: str | None
) -> None:
    """Everything piket holds about one inspector, opened, as JSON: for an access request (AVG art. 15)."""
    from backend.services import subject
    from backend.services.errors import ServiceError

    _require_current_schema(runtime)
    choice = _disclosure(runtime, "subject", receiver, purpose)
    try:
        with runtime.database.transaction() as session:
            document = subject.hand_over(
                session, runtime.clock.now(), CLI_ACTOR, inspector_id, choice.receiver, choice.purpose
            )
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    if out is None:
        click.echo(document)
        return
    out.touch(mode=0o600)
    out.write_text(document + "\n", encoding="utf-8")
    click.echo(f"wrote the data of inspector {inspector_id} to {out}; recorded in the register", err=True)


@main.command()
@click.argument("file_", metavar="FILE", type=click.Path(path_type=Path))
@disclosure_options
@pass_runtime
def backup(runtime: Runtime, file_: Path, receiver: str | None, purpose: str | None) -> None:
    """Write an encrypted backup of the whole database to FILE (safe while running)."""
    from backend.services import disclosures
    from backend.services.backup import BackupError, write_file

    choice = _disclosure(runtime, "backup", receiver, purpose)
    # Recorded first, so that the backup holds its own line of the register.
    with runtime.database.transaction() as session:
        disclosures.record(
            session,
            at=runtime.clock.now(),
            actor=CLI_ACTOR,
            kind="backup",
            receiver=choice.receiver,
            purpose=choice.purpose,
            scope={"file": file_.name},
        )
    try:
        written = write_file(runtime.database, runtime.keyring, file_, runtime.clock.now())
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup written to {file_} ({written.size_bytes} bytes, key {runtime.keyring.active_id})")


@main.command()
@click.argument("file_", metavar="FILE", type=click.Path(exists=True, path_type=Path))
@pass_runtime
def restore(runtime: Runtime, file_: Path) -> None:
    """Restore FILE into an empty database (run `piket db upgrade` on it first)."""
    from backend.services.backup import BackupError
    from backend.services.backup import restore as load_backup

    try:
        with file_.open("rb") as source:
            counts = load_backup(runtime.database, runtime.keyring, source)
    except (BackupError, KeyRingError) as error:
        raise click.ClickException(f"restore refused: {error}") from None
    click.echo(
        f"restored {sum(counts.values())} rows in {len(counts)} tables; the content matches the backup"
    )


# -- running ----------------------------------------------------------------------------


def _bot_status(runtime: Runtime) -> str:
    settings = runtime.settings
    if settings.telegram_token is None:
        return "bot: off (PIKET_TELEGRAM_TOKEN is not set)"
    if settings.webhook_url:
        return f"bot: on, by webhook on port {settings.port + 1}"
    return "bot: on, polling"


@main.command()
@pass_runtime
def serve(runtime: Runtime) -> None:
    """Run web, API and scheduler (and the bot when configured, in a child process of its own).

    Several instances may share one PostgreSQL database: each serves the web and
    the API; the leader alone runs the jobs and the bot."""
    from piket.serving import BotWhileLeading, Heartbeat, run_scheduler, run_web

    _require_current_schema(runtime)
    click.echo(_bot_status(runtime))
    bot = BotWhileLeading(runtime, own_process=True) if runtime.settings.telegram_token else None
    runner = run_scheduler(runtime, on_leadership=bot)
    try:
        with Heartbeat(runtime):
            run_web(runtime)
    finally:
        runner.shutdown()
        if bot:
            bot.stop()


@main.command()
@pass_runtime
def bot(runtime: Runtime) -> None:
    """Run only the Telegram bot and its outbox sender (on one instance)."""
    import signal
    import threading

    from piket.serving import Heartbeat, run_bot

    _require_current_schema(runtime)
    if runtime.settings.telegram_token is None:
        raise click.UsageError("PIKET_TELEGRAM_TOKEN is not set")
    click.echo(_bot_status(runtime))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with Heartbeat(runtime):
        run_bot(runtime, stop)


@main.command()
@pass_runtime
def web(runtime: Runtime) -> None:
    """Run only the web pages and the API."""
    from piket.serving import Heartbeat, run_web

    _require_current_schema(runtime)
    with Heartbeat(runtime):
        run_web(runtime)


@main.command()
@pass_runtime
def scheduler(runtime: Runtime) -> None:
    """Run only the job scheduler (one leader among all instances)."""
    from piket.serving import Heartbeat, run_scheduler, wait_for_signal

    _require_current_schema(runtime)
    runner = run_scheduler(runtime)
    with Heartbeat(runtime):
        wait_for_signal()
    runner.shutdown()


for _command in team_commands.COMMANDS:
    main.add_command(_command)
