"""`AnswerStream`: text deltas while the stream is read, then the final answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from advisor.answer_stream import AnswerStream, IncompleteAnswerError, StreamEvent
from advisor.models import Answer

ANSWER = Answer(question="q", standalone_question="q", text="Hello world.")


def events(final: bool = True) -> Iterator[StreamEvent]:
    yield StreamEvent(delta="Hello ")
    yield StreamEvent(delta="")  # empty deltas are skipped
    yield StreamEvent(delta="world.")
    if final:
        yield StreamEvent(answer=ANSWER)


def test_deltas_then_the_answer() -> None:
    stream = AnswerStream(events())
    assert list(stream) == ["Hello ", "world."]
    assert stream.answer == ANSWER


def test_finish_reads_what_is_left() -> None:
    stream = AnswerStream(events())
    assert next(iter(stream)) == "Hello "
    with pytest.raises(IncompleteAnswerError, match="not been read to its end"):
        _ = stream.answer
    assert stream.finish() == ANSWER


def test_a_stream_without_an_answer_raises() -> None:
    stream = AnswerStream(events(final=False))
    assert "".join(stream) == "Hello world."
    with pytest.raises(IncompleteAnswerError, match="ended without an answer"):
        _ = stream.answer


def test_close_stops_the_underlying_stream() -> None:
    source = events()
    stream = AnswerStream(source)
    next(iter(stream))
    stream.close()
    assert list(source) == []
