"""The answerer base class: an answerer that only composes still streams, and has the optional abilities."""

from __future__ import annotations

import pytest

from advisor.answering.base import Answerer, AnswerRequest, ComposedAnswer, stream_text
from advisor.models import Citation, Turn

TEXT = ("Directors need five to ten years of practice [1]. Most also serve on a quality committee and lead "
        "one improvement project first [2].")
CITATIONS = [Citation(n=n, doc_id="guide", title="Guide", section="Path", snippet="...", start=0, end=3,
                      chunk_id="guide-1") for n in (1, 2)]
REQUEST = AnswerRequest(question="How do I start?", standalone_question="How do I start?", retrieved=[])


class Composing(Answerer):
    """An answerer that implements `compose` only, and counts the calls."""

    name = "composing"

    def __init__(self, answer: ComposedAnswer) -> None:
        self.answer = answer
        self.calls = 0

    def compose(self, request: AnswerRequest) -> ComposedAnswer:
        self.calls += 1
        return self.answer


def test_the_default_stream_is_compose_then_its_text_in_word_groups():
    answerer = Composing(ComposedAnswer(TEXT, CITATIONS, {"coverage": "full"}))
    pieces = list(answerer.stream(REQUEST))
    *deltas, final = pieces
    assert answerer.calls == 1 and final is answerer.answer
    assert all(isinstance(d, str) for d in deltas) and "".join(deltas) == TEXT  # type: ignore[arg-type]
    assert [len(d.split()) for d in deltas] == [6, 6, 6, 5]  # type: ignore[union-attr]  # 23 words


def test_an_answer_without_citations_streams_no_text():
    answerer = Composing(ComposedAnswer("Some uncited words.", []))
    assert list(answerer.stream(REQUEST)) == [answerer.answer]


def test_word_groups_keep_the_spacing_of_the_text():
    answer = ComposedAnswer("one two  three\n\nfour [1]", CITATIONS[:1])
    assert list(stream_text(answer, piece_words=2)) == ["one two ", " three\n\nfour ", "[1]"]
    assert "".join(stream_text(answer, piece_words=4)) == answer.text
    assert list(stream_text(ComposedAnswer("", []))) == [""]


def test_the_optional_abilities_default_to_doing_nothing():
    answerer = Composing(ComposedAnswer(TEXT, CITATIONS))
    history = [Turn(role="user", content="What does a medical director do?"),
               Turn(role="assistant", content="They lead.")]
    assert answerer.condense("and in government?", history) == ""  # the service's heuristic decides
    assert answerer.health() is None
    assert answerer.warm_up() is None
    assert not answerer.deterministic


def test_compose_is_the_one_method_a_part_must_implement():
    with pytest.raises(NotImplementedError):
        Answerer().compose(REQUEST)
    with pytest.raises(NotImplementedError):
        list(Answerer().stream(REQUEST))
