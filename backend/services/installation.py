"""Putting piket into service: the region and the first admin, an admin's lost access, and what the
demo may erase.

A deployment serves one team: one region per database. The first admin is
made from the command line (nobody can log in before it exists); every later
account is made on the admin pages by an admin.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db import read_values
from backend.models import AuditRecord, Region, Role, WebUser
from backend.services import accounts, audit
from backend.services.errors import NotFound, Refused
from scheduling.calendar import team_zone, use_team_zone

DEMO_ACTION = "demo.loaded"
"""The audit record the demo leaves: the mark of a database the demo made (tamper-evident)."""
SETUP_ACTION = "setup.done"


def known_zone(name: str) -> ZoneInfo:
    """The IANA zone of this name, or Refused naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Refused(
            "unknown time zone %(name)r (an IANA name such as Europe/Amsterdam)",
            field="timezone",
            params={"name": name},
        ) from None


def set_up(
    session: Session, now: datetime, actor: str, region_name: str, timezone: str, admin_username: str
) -> tuple[Region, str]:
    """Make the region (or take the one a profile made) and the first admin; returns the region and
    the admin's one-time password. Refused once any admin exists: from then on admins make accounts."""
    if _admin_exists(session):
        raise Refused(
            "an admin account exists already; piket setup runs once. An admin who lost "
            "access: `piket users reset USERNAME`",
            field="admin",
        )
    zone = known_zone(timezone)
    region = _the_region(session, region_name.strip())
    region.timezone = zone.key
    session.flush()
    admin, password = accounts.create_web_user(session, now, actor, admin_username.strip(), Role.ADMIN)
    audit.record(
        session,
        now,
        actor,
        SETUP_ACTION,
        f"region:{region.id}",
        {"timezone": zone.key, "admin": f"web_user:{admin.id}"},
    )
    return region, password


def _admin_exists(session: Session) -> bool:
    return session.execute(select(WebUser.id).where(WebUser.role == Role.ADMIN).limit(1)).first() is not None


def _the_region(session: Session, name: str) -> Region:
    if not 2 <= len(name) <= 120:
        raise Refused("a region's name has 2 to 120 characters", field="region")
    regions = list(session.execute(select(Region)).scalars())
    if not regions:
        region = Region(name=name)
        session.add(region)
        return region
    if len(regions) == 1 and regions[0].name == name:
        return regions[0]
    raise Refused(
        "this database already holds the region %(region)r; piket serves one team per database",
        field="region",
        params={"region": regions[0].name},
    )


def reset_by_username(session: Session, now: datetime, actor: str, username: str) -> tuple[WebUser, str]:
    """A new one-time password for the account of this name (audited); the next login sets up again."""
    user = session.execute(select(WebUser).where(WebUser.username == username.strip())).scalar_one_or_none()
    if user is None:
        raise NotFound("username", "no web account named %(username)r", params={"username": username})
    if not user.is_active:
        user.is_active = True
        audit.record(session, now, actor, "web_user.activated", f"web_user:{user.id}")
    return accounts.reset_web_user(session, now, actor, user.id)


def team_zone_name(session: Session) -> str | None:
    """The region's zone (the one the rules use), or None before setup."""
    return read_values(session, _ZONE).scalar_one_or_none()


_ZONE = select(Region.timezone).order_by(Region.id).limit(1)
"""Built once: every request, bot update and sweep asks (building a statement costs more than running it)."""


TEAM_ZONE = _ZONE.scalar_subquery()
"""The region's zone as a value of another statement: a bot update reads it while it records itself,
by one statement where two cost the tap that completes a pair more than running them."""


def follow_team_zone(session: Session) -> None:
    """Make the region's zone this process's: each request, bot update and sweep starts here, so a zone
    put right after setup (by a page or `piket profile load`) holds in every running instance at once."""
    follow_zone(team_zone_name(session))


def follow_zone(name: str | None) -> None:
    """`follow_team_zone` with the region's zone read by this transaction already (`TEAM_ZONE`)."""
    if name is not None and name != team_zone().key:
        use_team_zone(name)


def is_demo(session: Session) -> bool:
    """Whether the demo made this database: its audit log holds the demo's record and no setup."""
    actions = dict(
        session.execute(
            select(AuditRecord.action, func.count())
            .where(AuditRecord.action.in_([DEMO_ACTION, SETUP_ACTION]))
            .group_by(AuditRecord.action)
        ).all()
    )
    return bool(actions.get(DEMO_ACTION)) and not actions.get(SETUP_ACTION)
