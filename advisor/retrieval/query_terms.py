"""A query's words as the corpus sees them: which are the corpus's topic words, which say what is asked.

Every document here is about becoming a medical director, so "medical director" carries no information about
which passage answers; the words found in few chunks ("certifications", "salary") do.
"""

from __future__ import annotations

import numpy as np

from advisor.retrieval.bm25_index import BM25Index
from advisor.text import STOPWORDS, stem, tokens_of, words

_RARE_ZIPF = 3.2  # Zipf frequency below which a word is rare in English (about once per 600,000 words)


def _looks_like_shorthand(word: str) -> bool:
    """A short letters-only token ("shd", "asst") is more likely chat shorthand than a topic; a token with a
    digit ("W2", "1099") or a longer word ("burnout") is not."""
    return word.isalpha() and len(word) <= 4


class QueryTerms:
    """Topic-word analysis over the document frequencies of a BM25 index."""

    def __init__(self, index: BM25Index, topic_word_share: float) -> None:
        self.index = index
        self.limit = topic_word_share  # words in more than this share of chunks are topic words

    def focus(self, query: str) -> str:
        """The query without the corpus's topic words (those in most chunks, e.g. "medical director").

        A dense embedding of the remaining words finds the passage on the question's actual subject.
        """
        index, limit = self.index, self.limit
        kept_words = [w for w in words(query, letters_only=True) if w.lower() not in STOPWORDS]
        stems = [stem(w) for w in kept_words]
        kept = [index.share_of_chunks_with(s) <= limit for s in stems]
        for i in range(len(kept_words) - 1):  # a rare pair of topic words is specific: keep both
            pair = index.share_of_chunks_with(f"{stems[i]} {stems[i + 1]}")
            if pair * len(index.chunk_ids) >= 1 and pair <= limit / 4:
                kept[i] = kept[i + 1] = True
        focused = [w for w, k in zip(kept_words, kept, strict=True) if k]
        return " ".join(focused) if focused else query

    def topic_words(self, text: str) -> str:
        """The corpus-topic words of `text` (those `focus` drops), e.g. "medical director"."""
        kept = set(words(self.focus(text), letters_only=True))
        return " ".join(
            w for w in words(text, letters_only=True) if w.lower() not in STOPWORDS and w not in kept
        )

    def specific_terms(self, text: str) -> frozenset[str]:
        """The stemmed terms of `text` other than the corpus's topic words: what it is specifically about."""
        return frozenset(t for t in tokens_of(text) if self.index.share_of_chunks_with(t) <= self.limit)

    def unknown_words(self, text: str) -> list[str]:
        """The words of `text`, as written, that no chunk holds and that are rare in English ("burnout",
        "W2"): a topic the documents do not cover. Everyday words the documents happen not to use ("posting",
        "count") say nothing about coverage."""
        from wordfreq import zipf_frequency

        found = []
        for word in words(text):
            terms = tokens_of(word)
            if terms and all(self.index.doc_freq.get(t, 0) == 0 for t in terms) \
                    and zipf_frequency(word, "en") < _RARE_ZIPF and not _looks_like_shorthand(word):
                found.append(word)
        return found

    def mentions(self, phrase: str) -> bool:
        """Whether some chunk holds every term of `phrase` (the corpus mentions it)."""
        terms = tokens_of(phrase)
        return bool(terms) and all(self.index.doc_freq.get(t, 0) > 0 for t in terms)

    def term_weights(self, text: str) -> dict[str, float]:
        """The corpus IDF of each (stemmed) term of `text`: rare words say more about what is asked."""
        n = len(self.index.chunk_ids)
        weights = {}
        for term in set(tokens_of(text)):
            df = self.index.doc_freq.get(term, 0)
            weights[term] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
        return weights
