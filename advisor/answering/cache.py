"""Recent answers, so that a popular question is answered once per index version, not once per asker."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from advisor.models import Answer, Turn


class AnswerCache:
    """A bounded LRU of finished answers. Keys hold everything an answer depends on: the question, the
    conversation before it, the retriever, the answerer and the index version (a new ingest changes it)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(question: str, history: list[Turn], retriever: str, answerer: str, version: str) -> Hashable:
        return (" ".join(question.split()).lower(), tuple((t.role, t.content) for t in history),
                retriever, answerer, version)

    def get(self, key: Hashable) -> Answer | None:
        if self.size <= 0:
            return None
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: Hashable, answer: Answer) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()

    def __len__(self) -> int:
        return len(self._answers)
