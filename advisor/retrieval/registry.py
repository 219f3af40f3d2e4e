"""Retrievers by name. The built-ins are listed the way an outside retriever would be registered."""

from __future__ import annotations

from advisor.retrieval.base import Retriever, UnknownRetrieverError
from advisor.retrieval.baseline import BaselineRetriever
from advisor.retrieval.bm25 import BM25Retriever
from advisor.retrieval.dense import DenseRetriever
from advisor.retrieval.hybrid import HybridRetriever
from advisor.retrieval.index import SearchIndex

RETRIEVERS: dict[str, type[Retriever]] = {}


def register_retriever(cls: type[Retriever]) -> None:
    RETRIEVERS[cls.name] = cls


def make_retriever(name: str, index: SearchIndex) -> Retriever:
    """The retriever registered under `name` over `index`; an unknown name lists the valid ones."""
    if name not in RETRIEVERS:
        raise UnknownRetrieverError(f"unknown retriever {name!r}; choose one of {', '.join(RETRIEVERS)}")
    return RETRIEVERS[name](index)


for _builtin in (HybridRetriever, DenseRetriever, BM25Retriever, BaselineRetriever):
    register_retriever(_builtin)
