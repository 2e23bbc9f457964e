"""The profile file: every shipped profile reads and writes back equal; a bad file names its key and line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.profile_file import UNCONFIRMED, ProfileError, read_profile, write_profile
from tests.profiles import FRYSLAN, PROFILES, shipped

NAMES = ("fryslan-rts", "kennemerland", "hilversum")


@pytest.mark.parametrize("name", NAMES)
def test_a_shipped_profile_reads_and_writes_back_equal(name: str) -> None:
    profile = shipped(name)
    assert read_profile(write_profile(profile)) == profile


@pytest.mark.parametrize("name", NAMES)
def test_every_record_of_a_shipped_profile_names_its_source(name: str) -> None:
    for label, record in shipped(name).records():
        assert record.source.strip(), label


def test_the_fryslan_profile_holds_the_plans_budget_to_the_cent() -> None:
    budget = FRYSLAN.budget(2027)
    assert (budget.hours, budget.hours_cents, budget.fixed_cents, budget.yearly_cents) == (
        1223,
        92_399_10,
        30_000_00,
        122_399_10,
    )
    assert sum(m.taking_part for m in FRYSLAN.municipalities) == 11
    assert FRYSLAN.plan(2027).controls == 69 and FRYSLAN.plan(2027).callouts == 24


def test_populations_the_seeds_do_not_give_are_marked_as_placeholders() -> None:
    kennemerland = shipped("kennemerland")
    beverwijk = next(m for m in kennemerland.municipalities if m.name == "Beverwijk")
    assert beverwijk.money_cap_cents == 9_710_00 and beverwijk.cap_shortfall == "others"
    for m in kennemerland.municipalities:
        assert UNCONFIRMED in m.sources["population"], m.name
    assert "municipality Hilversum: population" in shipped("hilversum").unconfirmed()
    assert all(m.contribution == "money" for m in kennemerland.municipalities)


def test_the_hilversum_profile_is_one_municipality_on_a_monthly_cadence_with_a_care_organisation() -> None:
    hilversum = shipped("hilversum")
    plan = hilversum.plan(2027)
    assert [m.name for m in hilversum.municipalities] == ["Hilversum"]
    assert (plan.controls_per_month, plan.locations_per_control_day) == (1, 2)
    assert [o.name for o in hilversum.organisations] == ["Belle Hulpverlening"]
    assert hilversum.budget(2027).yearly_cents == 38_160_00, "seed 004: 38,160 a year for supervision"


def broken(old: str, new: str) -> str:
    text = (PROFILES / "hilversum.toml").read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_an_unknown_key_is_refused_with_its_line_and_the_close_match() -> None:
    text = broken("population = 10000", "populaton = 10000")
    with pytest.raises(ProfileError) as refused:
        read_profile(text, "hilversum.toml")
    message = str(refused.value)
    assert f"hilversum.toml:{line_of(text, 'populaton')}:" in message
    assert "municipalities[0].populaton" in message and "did you mean 'population'" in message


@pytest.mark.parametrize(
    "old, new, key, words, on_line",
    [
        (
            'rate = "52.67402"',
            "rate = 52.67402",
            "budgets[0].lines[0].rate",
            "decimal in quotes",
            "rate = 52",
        ),
        (
            "pledged_hours = 228",
            "pledged_hours = 99",
            "municipalities[0].pledged_hours",
            "at least 100",
            "pledged_hours = 99",
        ),
        ("controls = 24", "controls = -1", "plans[0].controls", "whole number", "controls = -1"),
        (
            "taking_part = true",
            "taking_part = false",
            "municipalities[0].taking_part_from",
            "taking_part = true",
            "taking_part_from",
        ),
        (
            'timezone = "Europe/Amsterdam"',
            'timezone = "Europe/Hilversum"',
            "region.timezone",
            "not a time zone",
            "Europe/Hilversum",
        ),
        (
            '{ from = "18:00", until = "22:00", band = "weekday_20" }',
            '{ from = "18:00", until = "23:00", band = "weekday_20" }',
            "ort_tables[0].weekday_windows",
            "overlap",
            "weekday_windows = [",
        ),
        (
            'saturday = "40"',
            'saturday = "40", sunday = "65"',
            "ort_tables[0].percentages.sunday",
            "did you mean 'saturday'",
            'sunday = "65"',
        ),
    ],
)
def test_a_bad_value_is_refused_naming_the_key_and_its_line(
    old: str, new: str, key: str, words: str, on_line: str
) -> None:
    text = broken(old, new)
    with pytest.raises(ProfileError) as refused:
        read_profile(text, "hilversum.toml")
    assert key in str(refused.value) and words in str(refused.value)
    assert refused.value.line == line_of(text, on_line)


def test_a_record_without_a_source_is_refused() -> None:
    text = broken('source = "seed 004: staff of Belle', 'note = "seed 004: staff of Belle')
    with pytest.raises(ProfileError, match=r"organisations\[0\]: 'source' is missing"):
        read_profile(text)


def test_a_file_that_is_not_toml_names_the_line() -> None:
    with pytest.raises(ProfileError, match=r"not valid TOML.*line 2"):
        read_profile('format = "piket-profile-1"\n[region\n')


def test_a_coordinator_that_is_not_a_municipality_is_refused() -> None:
    with pytest.raises(ProfileError, match=r"region\.coordinating: 'Bussum' is not one of the"):
        read_profile(broken('coordinating = "Hilversum"', 'coordinating = "Bussum"'))


PROPOSAL = '\n[proposal]\nexpertise = "0.5"\nexperienced_after_days = 730\nsource = "team meeting"\n'


def test_the_preference_for_expertise_is_read_written_back_and_defaults_to_spreading() -> None:
    plain = (PROFILES / "hilversum.toml").read_text(encoding="utf-8")
    assert read_profile(plain).proposal.preference().expertise == 0
    chosen = read_profile(plain + PROPOSAL)
    assert (chosen.proposal.expertise, chosen.proposal.experienced_after_days) == (Decimal("0.5"), 730)
    assert read_profile(write_profile(chosen)) == chosen
    assert "[proposal]" not in write_profile(read_profile(plain))


@pytest.mark.parametrize(
    ("value", "words"),
    [('"-1"', "must be a decimal"), ('"11"', "at most 10"), ('"0.125"', "at most 2 decimals")],
)
def test_a_wrong_preference_is_refused_naming_the_key(value: str, words: str) -> None:
    text = (PROFILES / "hilversum.toml").read_text(encoding="utf-8") + PROPOSAL.replace('"0.5"', value)
    with pytest.raises(ProfileError, match=words) as refused:
        read_profile(text)
    assert "proposal.expertise" in str(refused.value)
