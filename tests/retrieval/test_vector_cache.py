"""Vectors of texts seen before: the bounded LRU, the pinned warm-up set, the embedding budget and the saved
file. Fake vectors (no model), so these are fast; tests/retrieval/test_embeddings.py runs the real model."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from advisor.retrieval.vector_cache import VectorCache, digest, read_vectors, write_vectors

DIMENSION = 4


class FakeEmbedder:
    """Deterministic vectors from a text's hash; records what it was asked to embed."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.array([vector(t) for t in texts])

    @property
    def embedded(self) -> list[str]:
        return [t for call in self.calls for t in call]


def vector(text: str) -> np.ndarray:
    raw = np.frombuffer(hashlib.sha256(text.encode()).digest()[: 4 * DIMENSION], dtype=np.uint32)
    return (raw / np.linalg.norm(raw)).astype(np.float32)


@pytest.fixture
def embed() -> FakeEmbedder:
    return FakeEmbedder()


def make_cache(embed: FakeEmbedder, size: int = 3) -> VectorCache:
    return VectorCache(embed, lambda: DIMENSION, size)


def test_texts_seen_before_are_not_embedded_again_and_the_least_recent_is_evicted(embed):
    cache = make_cache(embed, size=2)
    vectors, embedded = cache.embed_within(["a", "b", "a"], budget=None)
    assert embedded == 2 and embed.calls == [["a", "b"]]  # a text repeated in a call is embedded once
    assert np.array_equal(vectors, np.array([vector("a"), vector("b"), vector("a")]))
    cache.embed_within(["a"], budget=None)  # "a" is now the most recent: "b" goes first
    cache.embed_within(["c"], budget=None)
    cache.embed_within(["a", "b"], budget=None)
    assert embed.calls[1:] == [["c"], ["b"]]


def test_pinned_texts_survive_any_number_of_other_texts(embed):
    cache = make_cache(embed, size=2)
    cache.warm(["heading", "answer sentence"], saved=None, model="m")
    for n in range(10):
        cache.embed_within([f"question {n}"], budget=None)
    before = len(embed.embedded)
    vectors, embedded = cache.embed_within(["answer sentence", "heading"], budget=None)
    assert embedded == 0 and len(embed.embedded) == before
    assert np.array_equal(vectors, np.array([vector("answer sentence"), vector("heading")]))
    assert len(cache.recent) == 2  # pinned texts take no place in the LRU


def test_warming_replaces_the_pinned_set(embed):
    cache = make_cache(embed, size=0)
    cache.warm(["old"], saved=None, model="m")
    cache.warm(["new"], saved=None, model="m")
    cache.embed_within(["old", "new"], budget=None)
    assert embed.calls == [["old"], ["new"], ["old"]]


def test_a_budget_caps_new_embeddings_and_leaves_the_rest_blank(embed):
    cache = make_cache(embed, size=10)
    cache.embed_within(["known"], budget=None)
    texts = ["known", "first", "second", "third"]
    vectors, embedded = cache.embed_within(texts, budget=1)
    assert embedded == 1 and embed.calls[-1] == ["first"]  # the cached text does not spend the budget
    assert not np.isnan(vectors[:2]).any() and np.isnan(vectors[2:]).all()
    vectors, embedded = cache.embed_within(texts, budget=0)
    assert embedded == 0 and np.isnan(vectors[2:]).all() and vectors.shape == (4, DIMENSION)
    vectors, embedded = cache.embed_within(texts, budget=None)
    assert embedded == 2 and not np.isnan(vectors).any()


def test_no_texts_give_an_empty_matrix_of_the_model_dimension(embed):
    vectors, embedded = make_cache(embed).embed_within([], budget=None)
    assert vectors.shape == (0, DIMENSION) and vectors.dtype == np.float32 and embedded == 0
    assert embed.calls == []


def test_a_cache_of_size_zero_embeds_every_time(embed):
    cache = make_cache(embed, size=0)
    cache.embed_within(["a"], budget=None)
    cache.embed_within(["a"], budget=None)
    assert embed.calls == [["a"], ["a"]] and len(cache.recent) == 0


def test_warm_vectors_are_saved_and_read_back_by_the_next_process(embed, tmp_path):
    saved = tmp_path / "warm.npz"
    texts = ["one", "two", "three"]
    make_cache(embed).warm(texts, saved, model="m", batch=2)
    assert embed.calls == [["one", "two"], ["three"]]  # embedded `batch` texts at a time
    assert read_vectors(saved, "m").keys() == {digest(t) for t in texts}
    written = saved.stat().st_mtime_ns

    restarted = FakeEmbedder()
    cache = make_cache(restarted)
    cache.warm(texts, saved, model="m")
    vectors, embedded = cache.embed_within(texts, budget=None)
    assert restarted.calls == [] and embedded == 0
    assert np.array_equal(vectors, np.array([vector(t) for t in texts]))
    assert saved.stat().st_mtime_ns == written  # nothing new: the file is not rewritten
    cache.warm(["one", "four"], saved, model="m")  # a changed set is saved as it now is
    assert restarted.calls == [["four"]]
    assert read_vectors(saved, "m").keys() == {digest("one"), digest("four")}


def test_another_models_file_is_ignored_and_replaced(embed, tmp_path):
    saved = tmp_path / "warm.npz"
    write_vectors(saved, "other-model", {digest("a"): vector("a")})
    assert read_vectors(saved, "m") == {}
    make_cache(embed).warm(["a"], saved, model="m")
    assert embed.calls == [["a"]]
    assert list(read_vectors(saved, "m")) == [digest("a")] and read_vectors(saved, "other-model") == {}


@pytest.mark.parametrize("damage", ["torn", "not an archive", "missing"])
def test_a_broken_or_missing_file_means_recomputing(embed, tmp_path, damage):
    saved = tmp_path / "warm.npz"
    write_vectors(saved, "m", {digest("a"): vector("a")})
    if damage == "torn":  # cut short by a crash mid-write of another process
        saved.write_bytes(saved.read_bytes()[:40])
    elif damage == "not an archive":
        saved.write_bytes(b"not a numpy archive")
    else:
        saved.unlink()
    assert read_vectors(saved, "m") == {}
    make_cache(embed).warm(["a"], saved, model="m")
    assert embed.calls == [["a"]] and list(read_vectors(saved, "m")) == [digest("a")]


def test_an_unwritable_place_just_means_no_saved_vectors(embed, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cache = make_cache(embed)
    cache.warm(["a"], blocker / "warm.npz", model="m")
    assert cache.embed_within(["a"], budget=None)[1] == 0  # pinned all the same
    write_vectors(tmp_path / "empty.npz", "m", {})  # nothing to save: no file
    assert not (tmp_path / "empty.npz").exists()
