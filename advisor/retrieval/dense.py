"""Dense retrieval: the chunks nearest to the question's embedding."""

from __future__ import annotations

from advisor.retrieval.base import Ranking, Retriever


class DenseRetriever(Retriever):
    name = "dense"

    def rank(self, query: str, candidates: int) -> Ranking:
        dense = self.index.dense(query, candidates)
        return Ranking(ranked=list(dense), dense=dense)
