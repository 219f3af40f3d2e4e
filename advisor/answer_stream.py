"""Streamed answers: the `StreamEvent`s `Advisor.ask_stream` yields, and `AnswerStream`, which reads them.

Iterating an `AnswerStream` yields the text as it is written; once the stream is exhausted `.answer` is the
final `Answer`. Every adapter that streams (API, OpenAI-compatible API, chat UI) and `Advisor.ask` read
answers this way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from advisor.models import Answer


@dataclass
class StreamEvent:
    """A piece of a streamed answer: text deltas, then one final event carrying the whole `Answer`."""

    delta: str = ""
    answer: Answer | None = None


class IncompleteAnswerError(RuntimeError):
    """The answer was asked for before the stream ended, or the stream ended without an answer."""


class AnswerStream:
    """The text deltas of a stream of `StreamEvent`s, and its final `Answer` once they are read.

        stream = AnswerStream(advisor.ask_stream(question))
        for delta in stream:
            show(delta)
        cite(stream.answer.citations)
    """

    def __init__(self, events: Iterable[StreamEvent]) -> None:
        self._events = iter(events)
        self._answer: Answer | None = None
        self._finished = False

    def __iter__(self) -> Iterator[str]:
        """The text deltas not read yet, in order (the underlying events are read only once)."""
        for event in self._events:
            if event.answer is not None:
                self._answer = event.answer
            if event.delta:
                yield event.delta
        self._finished = True

    @property
    def answer(self) -> Answer:
        """The final answer. Raises IncompleteAnswerError if the stream is not exhausted or brought none."""
        if self._answer is None:
            raise IncompleteAnswerError("the answer stream ended without an answer" if self._finished
                                        else "the answer stream has not been read to its end")
        return self._answer

    def finish(self) -> Answer:
        """Read what is left of the stream and return the final answer. Raises IncompleteAnswerError."""
        for _ in self:
            pass
        return self.answer

    def close(self) -> None:
        """Stop the stream early (the answerer stops writing); `answer` is then unavailable."""
        close = getattr(self._events, "close", None)
        if close is not None:
            close()
