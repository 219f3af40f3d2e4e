"""The asker's stated situation, read from what they wrote."""

from __future__ import annotations

from advisor.answering.situation import situation_of, years_range


def test_years_in_practice_from_the_ways_people_say_it() -> None:
    assert situation_of(["im a hospitalist w/ 8 yrs of practice"]).years_in_practice == 8
    assert situation_of(["I've been practicing for twelve years as an internist"]).years_in_practice == 12
    assert situation_of(["I'm 3 years out of residency"]).years_in_practice == 3
    assert situation_of(["Most directors have 10 years of experience?"]).years_in_practice is None


def test_a_later_statement_replaces_an_earlier_one_and_facts_accumulate() -> None:
    situation = situation_of(["I'm a PGY-2 in peds", "actually I have 4 years of practice now"])
    assert situation.years_in_practice == 4
    assert situation.training == "PGY-2"
    assert situation.specialty == "peds"
    assert situation.known


def test_nothing_stated_is_nothing_known() -> None:
    assert not situation_of(["What does a medical director do?"]).known


def test_year_ranges_as_the_articles_write_them() -> None:
    assert years_range("typically requiring a minimum of five to ten years of active practice") == (
        "five to ten years", 5.0, 10.0)
    assert years_range("often 5-10 years or more") == ("5-10 years", 5.0, 10.0)
    assert years_range("at least a decade") is None
