"""The profile: every field optional, strict validation with errors that name the field, normalised values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from advisor.readiness import Profile
from advisor.readiness.profile import MAX_ITEMS, SETTINGS


def test_every_field_is_optional():
    profile = Profile.model_validate({})
    assert profile.is_empty and not profile.in_training


def test_unknown_fields_are_one_error_naming_them_all():
    with pytest.raises(ValidationError) as caught:
        Profile.model_validate({"degree": "MD", "favourite_color": "blue", "yrs": 3})
    message = str(caught.value)
    assert "favourite_color" in message and "yrs" in message and "years_in_practice" in message


@pytest.mark.parametrize(("given", "read"), [("PGY-2", "PGY-2"), ("pgy2", "PGY-2"), ("PGY 3", "PGY-3"),
                                              ("ms3", "MS3"), ("Fellowship year 2", "fellowship year 2"),
                                              ("intern", "intern"), ("residency", "residency")])
def test_training_year_is_normalised(given: str, read: str):
    assert Profile(training_year=given).training_year == read


def test_a_training_year_it_cannot_read_is_an_error_saying_what_it_expects():
    with pytest.raises(ValidationError, match="PGY-2"):
        Profile(training_year="junior attending")


def test_degree_and_setting_aliases():
    profile = Profile.model_validate({"degree": "m.d.", "target_settings": ["Payer", "pharma", "insurer",
                                                                           "long-term care"]})
    assert profile.degree == "MD"
    assert profile.target_settings == ["insurer", "pharma_biotech", "long_term_care"]  # a repeat counts once
    with pytest.raises(ValidationError, match="target_settings"):
        Profile.model_validate({"target_settings": ["circus"]})
    assert len(SETTINGS) == 12


@pytest.mark.parametrize("bad", [
    {"degree": "PhD"}, {"years_in_practice": -1}, {"years_in_practice": "eight"},
    {"board_certified": "maybe"},
    {"roles": ["x"] * (MAX_ITEMS + 1)}, {"roles": ["x" * 121]}, {"roles": ["a\x00b"]}, {"horizon_months": 0},
    {"committees": "quality"},
])
def test_bad_values_are_errors_naming_the_field(bad: dict[str, object]):
    with pytest.raises(ValidationError) as caught:
        Profile.model_validate(bad)
    assert next(iter(bad)) in str(caught.value)


def test_in_training_means_training_and_no_years_in_practice():
    assert Profile(training_year="PGY-1").in_training
    assert not Profile(training_year="PGY-1", years_in_practice=3).in_training
