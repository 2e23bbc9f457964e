"""A call-out's sources are the team's profile's: today's three by default, any of the guideline's when
the profile names them; read, written and loaded exactly, and refused where a call-out uses another."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from backend import migrate
from backend.db import Database
from backend.models import CalloutSource, Region
from backend.profile_file import ProfileError, read_profile, write_profile
from backend.services import callouts, profile
from backend.services.errors import Refused
from tests.factories import NOW, designate, inspector, region
from tests.profiles import PROFILES

HILVERSUM = (PROFILES / "hilversum.toml").read_text(encoding="utf-8")
OWN_LIST = 'callout_sources = ["police", "own_observation", "health_service"]\n'


def with_sources(line: str) -> str:
    return HILVERSUM.replace("[region]\n", f"[region]\n{line}", 1)


def test_a_profile_without_the_key_has_todays_three_and_writes_none() -> None:
    read = read_profile(HILVERSUM)
    assert read.region.callout_sources == ("mma", "nuisance", "police")
    assert "callout_sources" not in write_profile(read)


def test_a_profile_names_its_own_sources_in_its_order_and_writes_them_back() -> None:
    read = read_profile(with_sources(OWN_LIST))
    assert read.region.callout_sources == ("police", "own_observation", "health_service")
    assert read_profile(write_profile(read)) == read


@pytest.mark.parametrize(
    "line",
    [
        'callout_sources = ["police", "gossip"]\n',
        "callout_sources = []\n",
        'callout_sources = ["police", "police"]\n',
        'callout_sources = "police"\n',
    ],
)
def test_an_unknown_repeated_or_empty_source_list_is_refused_naming_the_key(line: str) -> None:
    with pytest.raises(ProfileError, match=r"region\.callout_sources"):
        read_profile(with_sources(line))


def test_the_list_loads_into_the_database_and_a_dump_loads_again_without_a_change(
    fresh_database: Database,
) -> None:
    migrate.upgrade(fresh_database.engine)
    with fresh_database.transaction() as session:
        profile.load(session, NOW, "test", read_profile(with_sources(OWN_LIST)))
    with fresh_database.transaction() as session:
        assert profile.callout_sources(session) == [
            CalloutSource.POLICE,
            CalloutSource.OWN_OBSERVATION,
            CalloutSource.HEALTH_SERVICE,
        ]
        dumped = write_profile(profile.current_profile(session))  # type: ignore[arg-type]
        assert OWN_LIST.strip() in dumped
        assert profile.load(session, NOW, "test", read_profile(dumped)) == []
        changes = profile.load(session, NOW, "test", read_profile(HILVERSUM))
        assert [str(c).splitlines()[0] for c in changes] == ["~ region"]
        assert "callout_sources" in str(changes[0])
        assert profile.callout_sources(session) == [
            CalloutSource.MMA,
            CalloutSource.NUISANCE,
            CalloutSource.POLICE,
        ]


def new_callout(session: Session, source: CalloutSource) -> callouts.NewCallout:
    _, home = region(session)
    designate(session, inspector(session, home), home)
    starts_at = NOW + timedelta(hours=3)
    return callouts.NewCallout(home.id, source, starts_at, starts_at + timedelta(hours=4), "Dorpsstraat 1")


def test_a_call_out_takes_only_a_source_the_profile_lists(session: Session) -> None:
    wanted = new_callout(session, CalloutSource.OWN_OBSERVATION)
    with pytest.raises(Refused, match="does not list this source") as refused:
        callouts.create_callout(session, NOW, "web:coordinator", wanted)
    assert refused.value.field == "source"
    session.query(Region).one().callout_sources = ["police", "own_observation"]
    made = callouts.create_callout(session, NOW, "web:coordinator", wanted)
    assert made.source is CalloutSource.OWN_OBSERVATION


def test_the_evaluation_shows_the_profiles_sources_and_any_other_a_call_out_of_the_year_had(
    session: Session,
) -> None:
    from backend.services import evaluation

    callouts.create_callout(session, NOW, "web:coordinator", new_callout(session, CalloutSource.POLICE))
    session.query(Region).one().callout_sources = ["own_observation", "resident"]
    result = evaluation.evaluate(session, NOW + timedelta(days=1), 2027)
    assert result.callout_sources == ["own_observation", "resident", "police"]
    assert result.callouts_by_month == {"2027-03": {"police": 1}}
