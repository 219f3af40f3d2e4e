"""The optional LLM judge: reply parsing, scoring, disk cache, "not run" (fake chat model, no network)."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from advisor.evaluation.harness import EvalRun
from advisor.evaluation.judge import NOT_RUN, JudgeReplyError, JudgeSettings, judge_run, parse_verdicts
from advisor.settings import Settings


def test_parse_json_prose_and_fenced_replies() -> None:
    reply = '{"claims": [{"claim": "a", "supported": true}, {"claim": "b", "supported": false}]}'
    assert parse_verdicts(reply) == [True, False]
    fenced = 'Here you go:\n```json\n{"claims": [{"claim": "a", "supported": "yes"}]}\n```'
    assert parse_verdicts(fenced) == [True]
    assert parse_verdicts("1. Salary claim: SUPPORTED\n2. Years claim: not supported\n3. x: Unsupported") \
        == [True, False, False]
    with pytest.raises(JudgeReplyError):
        parse_verdicts("I cannot help with that.")


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(data_dir=tmp_path, _env_file=None, **extra)  # type: ignore[call-arg]


def _judge(**values: object) -> JudgeSettings:
    return JudgeSettings(_env_file=None, **values)  # type: ignore[call-arg]


def _run() -> EvalRun:
    rows = [
        {"id": "a", "refused": False, "answer": "Pay is high [1]. It is fun [1].",
         "citations": [{"n": 1, "snippet": "Pay is high."}]},
        {"id": "r", "refused": True, "answer": "I can't help with that.", "citations": []},
        {"id": "b", "refused": False, "answer": "Five to ten years [1].",
         "citations": [{"n": 1, "snippet": "five to ten years"}]},
    ]
    return EvalRun(name="hybrid", config={}, rows=rows)


def test_judge_is_not_run_without_an_endpoint(tmp_path: Path) -> None:
    assert judge_run(_run(), _settings(tmp_path), _judge()) == NOT_RUN


def test_judge_scores_mean_of_runs_and_caches_by_content(tmp_path: Path) -> None:
    half = '{"claims": [{"claim": "Pay is high", "supported": true}, {"claim": "fun", "supported": false}]}'
    full = '{"claims": [{"claim": "Five to ten years", "supported": true}]}'
    settings, judge = _settings(tmp_path), _judge(runs=2)
    model = FakeListChatModel(responses=[half, half, full, "no verdict here"])
    run = _run()
    result = judge_run(run, settings, judge, model=model)
    assert isinstance(result, dict)
    assert run.rows[0]["judge_faithfulness"] == 0.5
    assert run.rows[2]["judge_faithfulness"] == 1.0  # one readable run out of two
    assert "judge_faithfulness" not in run.rows[1]  # refusals are not judged
    assert result["faithfulness"] == 0.75 and result["answers"] == 2 and result["failing"] == ["a"]
    assert len(list((tmp_path / "judge_cache").glob("*.json"))) == 4
    # Everything is cached now: a model with no replies left is never called.
    again = judge_run(_run(), settings, judge, model=FakeListChatModel(responses=[]))
    assert isinstance(again, dict) and again["faithfulness"] == 0.75


def test_a_failing_judge_is_reported_not_raised(tmp_path: Path) -> None:
    judge = _judge(base_url="http://127.0.0.1:9/v1", timeout=2.0)
    result = judge_run(_run(), _settings(tmp_path), judge)
    assert isinstance(result, str) and result.startswith("failed:")
