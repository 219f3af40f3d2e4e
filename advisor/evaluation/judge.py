"""Optional LLM judge: claim-by-claim faithfulness of each answer to the text it cites.

Runs only when `ADVISOR_LLM_JUDGE_BASE_URL` is set (any OpenAI-compatible server, through langchain-openai's
ChatOpenAI); otherwise the report says "not run". Temperature 0, the mean of `runs` runs per answer,
each run cached on disk by a hash of everything that decides its result. It never gates anything: a failing
judge is reported, not raised.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from advisor.prompts import load_prompt

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from advisor.evaluation.harness import EvalRun
    from advisor.settings import Settings

NOT_RUN = "not run (no judge endpoint configured: set ADVISOR_LLM_JUDGE_BASE_URL)"
_JSON_OBJECT = re.compile(r"\{.*\}", re.S)
_VERDICT_LINE = re.compile(r"\b(unsupported|not supported|supported)\b", re.I)


class JudgeSettings(BaseSettings):
    """The evaluation judge's endpoint, read from `ADVISOR_LLM_JUDGE_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="ADVISOR_LLM_JUDGE_", env_file=".env", extra="ignore")

    base_url: str | None = Field(None, description="OpenAI-compatible base URL (e.g. http://127.0.0.1:8080/v1).")
    model: str = Field("judge", description="Model name sent to the judge server.")
    api_key: SecretStr | None = Field(None, description="API key for the judge server, if it needs one.")
    runs: int = Field(3, description="Judge runs per answer (temperature 0); their mean is reported.")
    timeout: float = Field(120.0, description="Seconds one judge call may take.")
    prompt: str = Field("judge_faithfulness", description="Prompt file of the judge.")


class JudgeReplyError(ValueError):
    """The judge's reply holds no verdicts that can be read."""


def parse_verdicts(reply: str) -> list[bool]:
    """Claim verdicts from a judge reply: the JSON asked for (also inside a code fence or prose), else one
    "supported"/"unsupported" word per line. Raises JudgeReplyError when neither yields a verdict."""
    match = _JSON_OBJECT.search(reply)
    if match:
        try:
            data = json.loads(match.group(0))
        except json.JSONDecodeError:
            data = None
        claims = data.get("claims") if isinstance(data, dict) else None
        if isinstance(claims, list):
            read = [_as_bool(c.get("supported")) for c in claims if isinstance(c, dict)]
            if read and all(v is not None for v in read):
                return [bool(v) for v in read]
    verdicts = []
    for line in reply.splitlines():
        found = _VERDICT_LINE.search(line)
        if found:
            verdicts.append(found.group(1).lower() == "supported")
    if not verdicts:
        raise JudgeReplyError(f"no verdicts in judge reply: {reply[:120]!r}")
    return verdicts


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "yes", "supported"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "no", "unsupported", "not supported"}:
        return False
    return None


def make_judge_model(judge: JudgeSettings) -> BaseChatModel:
    """ChatOpenAI pointed at the configured judge server, temperature 0."""
    from langchain_openai import ChatOpenAI

    key = judge.api_key or SecretStr("not-needed")  # local servers need no key
    return ChatOpenAI(base_url=judge.base_url, model=judge.model, api_key=key,
                      temperature=0, timeout=judge.timeout, max_retries=1)


class FaithfulnessJudge:
    """Scores answers as the share of their claims the cited text supports (mean over several runs)."""

    def __init__(self, model: BaseChatModel, prompt: str, model_name: str, runs: int = 3,
                 cache_dir: Path | None = None) -> None:
        self.model = model
        self.prompt = prompt
        self.model_name = model_name
        self.runs = runs
        self.cache_dir = cache_dir

    def build_prompt(self, answer: str, snippets: dict[int, str]) -> str:
        sources = "\n".join(f"[{n}] {text}" for n, text in sorted(snippets.items())) or "(none)"
        return self.prompt.format(sources=sources, answer=answer)

    def score(self, answer: str, snippets: dict[int, str]) -> float | None:
        """Mean share of supported claims over the runs that gave readable verdicts; None when none did."""
        prompt = self.build_prompt(answer, snippets)
        scores = []
        for run in range(self.runs):
            verdicts = self._verdicts(prompt, run)
            if verdicts:
                scores.append(sum(verdicts) / len(verdicts))
        return sum(scores) / len(scores) if scores else None

    def _verdicts(self, prompt: str, run: int) -> list[bool] | None:
        key = hashlib.sha256(f"{self.model_name}\n{run}\n{prompt}".encode()).hexdigest()
        path = self.cache_dir / f"{key}.json" if self.cache_dir else None
        if path and path.is_file():
            cached = json.loads(path.read_text(encoding="utf-8"))
            return [bool(v) for v in cached["verdicts"]] if cached.get("verdicts") is not None else None
        reply = self.model.invoke(prompt)
        text = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
        try:
            verdicts: list[bool] | None = parse_verdicts(text)
        except JudgeReplyError:
            verdicts = None
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"verdicts": verdicts, "reply": text}), encoding="utf-8")
        return verdicts


def judge_run(run: EvalRun, settings: Settings, judge_settings: JudgeSettings | None = None,
              model: BaseChatModel | None = None) -> str | dict[str, Any]:
    """Judge every non-refused answer of `run`; NOT_RUN without a configured endpoint (and no `model`).
    `judge_settings` default to the environment's.

    Returns {"model", "faithfulness", "answers", "runs", "unreadable", "failing"} and stores each row's score
    as `judge_faithfulness`. A judge that cannot be reached gives "failed: ..." instead of raising.
    """
    config = judge_settings or JudgeSettings()
    if model is None and not config.base_url:
        return NOT_RUN
    try:
        judge = FaithfulnessJudge(model or make_judge_model(config),
                                  load_prompt(config.prompt, settings.prompts_dir),
                                  config.model, config.runs, settings.data_dir / "judge_cache")
        scored: list[float] = []
        unreadable: list[str] = []
        for row in run.rows:
            if row["refused"] or not row["answer"]:
                continue
            value = judge.score(row["answer"], {c["n"]: c["snippet"] for c in row["citations"]})
            row["judge_faithfulness"] = value
            if value is None:
                unreadable.append(row["id"])
            else:
                scored.append(value)
    except Exception as exc:  # the judge is advisory: report, never fail the evaluation  # noqa: BLE001
        return f"failed: {type(exc).__name__}: {exc}"
    return {
        "model": config.model, "runs": config.runs, "answers": len(scored),
        "faithfulness": round(sum(scored) / len(scored), 4) if scored else None, "unreadable": unreadable,
        "failing": [r["id"] for r in run.rows if r.get("judge_faithfulness") is not None
                    and r["judge_faithfulness"] < 1.0],
    }
