"""Keyword retrieval: BM25 over stemmed chunk text and headings."""

from __future__ import annotations

from advisor.retrieval.base import Ranking, Retriever


class BM25Retriever(Retriever):
    name = "bm25"

    def rank(self, query: str, candidates: int) -> Ranking:
        keyword = self.index.keyword(query, candidates)
        return Ranking(ranked=list(keyword), keyword=keyword)
