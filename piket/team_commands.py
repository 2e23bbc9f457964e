"""Commands that put a team into service and keep it there: setup, users, imports, doctor.

Each is an entry point with one transaction at most; the work is in the services.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from backend import migrate
from backend.services.errors import ServiceError
from piket.runtime import Runtime

if TYPE_CHECKING:
    from backend.services.imports import ImportReport

pass_runtime = click.make_pass_decorator(Runtime)


def require_current_schema(runtime: Runtime) -> None:
    if not migrate.is_up_to_date(runtime.database.engine):
        raise click.ClickException("the database schema is not current; run `piket db upgrade`")


@click.command()
@click.option("--region", "region_name", required=True, help="The team's public name.")
@click.option(
    "--timezone",
    default=None,
    metavar="ZONE",
    help="IANA zone the rules use (default: PIKET_TIMEZONE, else Europe/Amsterdam).",
)
@click.option(
    "--admin",
    "admin_username",
    required=True,
    metavar="USERNAME",
    help="The first admin's username: a function name such as 'beheer', not a person's name.",
)
@pass_runtime
def setup(runtime: Runtime, region_name: str, timezone: str | None, admin_username: str) -> None:
    """Make the region and the first admin account; prints its one-time password. Runs once."""
    from backend.services.installation import set_up
    from scheduling.calendar import use_team_zone

    require_current_schema(runtime)
    zone_name = timezone or runtime.settings.timezone
    try:
        with runtime.database.transaction() as session:
            region, password = set_up(
                session, runtime.clock.now(), "cli:setup", region_name, zone_name, admin_username
            )
            zone = region.timezone
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    use_team_zone(zone)
    click.echo(f"region {region_name!r} ready; the rules use the time zone {zone}")
    click.echo(f"admin account {admin_username.strip()!r}, one-time password: {password}")
    click.echo("Log in on the web with it: you then choose a password and set up the authenticator app.")


@click.group()
def users() -> None:
    """Web accounts from the command line (an admin who lost access)."""


@users.command("reset")
@click.argument("username")
@pass_runtime
def users_reset(runtime: Runtime, username: str) -> None:
    """Print a new one-time password for USERNAME; its password and authenticator are set up again."""
    from backend.services.installation import reset_by_username

    require_current_schema(runtime)
    try:
        with runtime.database.transaction() as session:
            user, password = reset_by_username(session, runtime.clock.now(), "cli:users", username)
            name = user.username
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"account {name!r}, new one-time password: {password}")
    click.echo("At the next login its owner chooses a password and sets up the authenticator app again.")


@click.group("import")
def import_() -> None:
    """Bring the team's lists in from a spreadsheet."""


@import_.command("inspectors")
@click.argument("file_", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change; change nothing.")
@pass_runtime
def import_inspectors(runtime: Runtime, file_: Path, dry_run: bool) -> None:
    """Add and update inspectors and designations from FILE.csv (as Excel saves it; see docs/operations.md).

    Every rejected row is named by its line; one rejected row imports nothing."""
    from backend.services.imports import ImportRefused
    from backend.services.imports import import_inspectors as run_import

    require_current_schema(runtime)
    try:
        with runtime.database.transaction() as session:
            report = run_import(
                session, runtime.clock.now(), "cli:import", file_.read_bytes(), dry_run=dry_run
            )
    except ImportRefused as error:
        raise click.ClickException(f"{file_}: {error}; nothing imported") from None
    for rejection in report.rejections:
        click.echo(f"{file_}:{rejection.line}: {rejection.reason}", err=True)
    if not report.is_accepted:
        raise click.ClickException(f"{len(report.rejections)} rows rejected; nothing imported")
    click.echo(_summary(report, dry_run))


def _summary(report: ImportReport, dry_run: bool) -> str:
    if not report.changes_anything:
        return f"no changes ({report.unchanged} inspectors already as in the file)"
    counts = (
        f"{report.added} inspectors, change {report.changed} ({report.unchanged} unchanged); "
        f"designations: {report.designations_added} new, {report.designations_changed} changed"
    )
    if dry_run:
        return f"would add {counts} (dry run: nothing changed)"
    return "added " + counts.replace("change ", "changed ", 1)


@click.command()
@pass_runtime
def doctor(runtime: Runtime) -> None:
    """Check this deployment: one line per check, OK / WARN / FAIL and what to do; non-zero on FAIL."""
    from backend.services.doctor import examine, has_failures

    findings = examine(runtime.settings, runtime.clock.now())
    for finding in findings:
        click.echo(finding.line())
    if has_failures(findings):
        raise click.ClickException("some checks failed; fix them and run `piket doctor` again")


COMMANDS = (setup, users, import_, doctor)
