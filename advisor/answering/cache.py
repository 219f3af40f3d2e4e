"""Recent answers, so that a popular question is answered once per index version, not once per asker."""

from __future__ import annotations

from collections.abc import Hashable

from advisor.lru import LRUCache
from advisor.models import Answer, Turn


class AnswerCache:
    """A bounded LRU of finished answers (size 0: off). Keys hold everything an answer depends on: the
    question, the conversation before it, the retriever, the answerer and the index version (a new ingest
    changes it)."""

    def __init__(self, size: int) -> None:
        self._answers: LRUCache[Hashable, Answer] = LRUCache(size)

    @property
    def size(self) -> int:
        return self._answers.size

    @size.setter
    def size(self, size: int) -> None:  # a smaller size takes effect at the next `put`
        self._answers.size = size

    @staticmethod
    def key(question: str, history: list[Turn], retriever: str, answerer: str, version: str) -> Hashable:
        return (" ".join(question.split()).lower(), tuple((t.role, t.content) for t in history),
                retriever, answerer, version)

    def get(self, key: Hashable) -> Answer | None:
        """The answer stored under `key`, or None."""
        return self._answers.get(key)

    def put(self, key: Hashable, answer: Answer) -> None:
        self._answers.put(key, answer)

    def clear(self) -> None:
        self._answers.clear()

    def __len__(self) -> int:
        return len(self._answers)
