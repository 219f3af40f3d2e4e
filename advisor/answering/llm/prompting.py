"""The LLM prompts, built from the files in prompts/ (names from settings), and their inputs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from langchain_core.prompts import ChatPromptTemplate

from advisor.answering import safety
from advisor.models import Turn
from advisor.prompts import load_prompt
from advisor.text import STOPWORDS, content_words

if TYPE_CHECKING:
    from advisor.settings import Settings

_HISTORY_TURNS = 6
_TURN_CHARS = 600
_LABEL = re.compile(r"^\s*(?:standalone question|question|rewritten question)\s*:\s*", re.I)
_MARKERS = re.compile(r"\s*[\[【［]\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*[\]】］]")


class PromptTemplateError(ValueError):
    """A prompt file uses placeholders the code does not fill (or misses one it needs)."""


@dataclass(frozen=True)
class Prompts:
    answer: ChatPromptTemplate
    condense: ChatPromptTemplate


def load_prompts(settings: Settings) -> Prompts:
    """The answer prompt (system + user) and the condense prompt; raises PromptNotFoundError,
    PromptTemplateError."""
    system = load_prompt(settings.llm_system_prompt, settings.prompts_dir)
    user = load_prompt(settings.llm_user_prompt, settings.prompts_dir)
    condense = load_prompt(settings.llm_condense_prompt, settings.prompts_dir)
    answer = ChatPromptTemplate.from_messages([("system", system), ("human", user)])
    _check(answer, {"canary", "context", "question", "plan"}, required={"context", "question"})
    condense_prompt = ChatPromptTemplate.from_messages([("human", condense)])
    _check(condense_prompt, {"history", "question"}, required={"question"})
    return Prompts(answer=answer, condense=condense_prompt)


def _check(template: ChatPromptTemplate, allowed: set[str], required: set[str]) -> None:
    found = set(template.input_variables)
    if found - allowed or required - found:
        raise PromptTemplateError(
            f"prompt placeholders {sorted(found)} do not match the expected {sorted(allowed)}; "
            "write literal braces as {{ and }}")


def answer_inputs(question: str, context: str, canary: str, plan: str = "") -> dict[str, str]:
    return {"question": " ".join(question.split()), "context": context, "canary": canary or "none",
            "plan": plan or "Answer from the passages that address the question."}


def condense_inputs(question: str, history: list[Turn]) -> dict[str, str]:
    """The conversation as plain "User:/Assistant:" lines (last turns, citation markers removed)."""
    lines = []
    for turn in history[-_HISTORY_TURNS:]:
        text = " ".join(_MARKERS.sub("", turn.content).split())[:_TURN_CHARS]
        lines.append(f"{'User' if turn.role == 'user' else 'Assistant'}: {text}")
    return {"history": "\n".join(lines) or "(none)", "question": " ".join(question.split())}


def clean_condensed(output: str, question: str, history: list[Turn], canary: str, max_chars: int) -> str:
    """The model's standalone question, or "" when it is unusable (empty, too long, off the topic of the
    conversation, or carrying markup) so that the caller falls back to the heuristic."""
    lines = [line for line in output.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    text = _LABEL.sub("", lines[0]).strip().strip("\"'“”").strip()
    if canary and canary.lower() in text.lower():
        return ""
    if safety.strip_unsafe_markup(text, set(), canary) != text or not 3 <= len(text) <= max_chars:
        return ""
    words = set(content_words(text, STOPWORDS))
    asked = set(content_words(question, STOPWORDS))
    if asked and not asked & words:  # it must keep what the user just asked about
        return ""
    known = set(content_words(" ".join(t.content for t in history[-_HISTORY_TURNS:]), STOPWORDS)) | asked
    if not known & words:
        return ""
    return text
