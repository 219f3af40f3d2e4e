"""Follow-up questions: decide whether a question leans on the conversation, and make it standalone."""

from __future__ import annotations

import re

from advisor.models import Turn
from advisor.text import STOPWORDS, content_words

_LEADING_CONNECTIVE = re.compile(
    r"^\s*(and|but|also|or|so|then|what about|how about|what of|same for)\b", re.I
)
_REFERRING = re.compile(
    r"\b(those|these|that one|this one|them|they|their|it|its|either|both|"
    r"the (first|second|third|last|former|"
    r"latter|above|other|two|three)|which one|which of (the|these|those)|one of (those|these|them)|that role|"
    r"this role|that path|such|neither|(does|do|is|was|would|about|with) (that|this|it)|"
    r"the \w+ ones?)\b",
    re.I,
)


def plain_question(text: str) -> str:
    """The question without markup: tags and the contents of script/style elements are not what is asked."""
    if "<" not in text:
        return " ".join(text.split())
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for element in soup(["script", "style", "template", "noscript"]):
        element.decompose()
    return " ".join(soup.get_text(" ").split())


def without_connective(question: str) -> str:
    """The question without a leading "and"/"what about": a connective is no topic, only noise for search."""
    return _LEADING_CONNECTIVE.sub("", question, count=1).strip(" ,") or question


def is_follow_up(question: str, history: list[Turn]) -> bool:
    """True when the question only makes sense with the conversation before it."""
    if not any(t.role == "user" for t in history):
        return False
    if _LEADING_CONNECTIVE.match(question) or _REFERRING.search(question):
        return True
    return len(content_words(question, STOPWORDS)) <= 2


def condense_question(question: str, history: list[Turn]) -> str:
    """A standalone retrieval query: a follow-up is joined to the user's last standalone question.

    Earlier follow-ups are joined too, so a chain of follow-ups keeps its original topic.
    """
    if not is_follow_up(question, history):
        return question
    users = [t.content for t in history if t.role == "user"]
    # Walk back to the last question that stood on its own, keeping the follow-ups in between.
    chain: list[str] = []
    for i in range(len(users) - 1, -1, -1):
        chain.insert(0, users[i])
        if not is_follow_up(users[i], [Turn(role="user", content=u) for u in users[:i]]):
            break
    return " ".join([*chain[-3:], question])
