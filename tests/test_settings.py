"""Settings from `ADVISOR_*` variables, the nested expert `tuning` included; bad values are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsError

from advisor.settings import Settings, get_settings
from advisor.tuning import FusionWeights, Tuning


def read(monkeypatch: pytest.MonkeyPatch, **variables: str) -> Settings:
    """Settings read from the environment with `variables` set (and no .env file)."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_defaults_without_variables(monkeypatch: pytest.MonkeyPatch):
    settings = read(monkeypatch)
    assert settings.tuning == Tuning() and settings.tuning.fusion_weights == FusionWeights()
    assert (settings.retriever, settings.answerer, settings.top_k) == ("hybrid", "extractive", 6)


def test_nested_tuning_variables_reach_settings_tuning(monkeypatch: pytest.MonkeyPatch):
    settings = read(monkeypatch, ADVISOR_TUNING__UNIT_FLOOR="0.55",
                    ADVISOR_TUNING__FUSION_WEIGHTS__DENSE="0.45", ADVISOR_TUNING__FUSION="rrf")
    assert settings.tuning.unit_floor == 0.55
    assert settings.tuning.fusion_weights.dense == 0.45
    assert settings.tuning.fusion == "rrf"
    # what was not set keeps its default, at every level
    assert settings.tuning.fusion_weights.focused == FusionWeights().focused
    assert settings.tuning.max_answer_units == Tuning().max_answer_units


def test_variable_names_are_case_insensitive_and_lists_are_json(monkeypatch: pytest.MonkeyPatch):
    settings = read(monkeypatch, advisor_tuning__unit_floor="0.6", ADVISOR_API_KEYS='["key-a", "key-b"]',
                    ADVISOR_TOP_K="4")
    assert settings.tuning.unit_floor == 0.6
    assert settings.api_keys == ["key-a", "key-b"] and settings.top_k == 4


@pytest.mark.parametrize(("name", "value"), [
    ("ADVISOR_TUNING__UNIT_FLOOR", "high"),
    ("ADVISOR_TUNING__FUSION", "borda"),
    ("ADVISOR_TUNING__RERANK_WEIGHT", "-1"),
    ("ADVISOR_TUNING__FUSION_WEIGHTS__DENSE", "a lot"),
    ("ADVISOR_RETRIEVER", "semantic"),
    ("ADVISOR_EMBEDDING_BACKEND", "tensorflow"),
    ("ADVISOR_QUERY_EMBEDDING_THREADS", "0"),
    ("ADVISOR_LLM_FALLBACK", "ignore"),
    ("ADVISOR_API_KEYS", "key-a"),  # not a JSON list: refused while parsing, before validation
])
def test_invalid_values_are_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch, name: str,
                                                       value: str):
    with pytest.raises((ValidationError, SettingsError)) as raised:
        read(monkeypatch, **{name: value})
    field = name.removeprefix("ADVISOR_").lower().split("__")[0]
    assert field in str(raised.value)


def test_settings_passed_in_win_over_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ADVISOR_TUNING__UNIT_FLOOR", "0.55")
    settings = Settings(tuning=Tuning(unit_floor=0.2), _env_file=None)  # type: ignore[call-arg]
    assert settings.tuning.unit_floor == 0.2


def test_the_process_settings_are_read_once(monkeypatch: pytest.MonkeyPatch):
    get_settings.cache_clear()
    try:
        monkeypatch.setenv("ADVISOR_TOP_K", "3")
        first = get_settings()
        monkeypatch.setenv("ADVISOR_TOP_K", "9")
        assert get_settings() is first and first.top_k == 3
    finally:
        get_settings.cache_clear()
