"""The embedding model: warm vectors saved for the next start, one thread per question-sized encode, and
concurrent questions encoded together."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.retrieval.vector_cache import digest, read_vectors


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    """An embedder of this module's own: warming replaces the pinned texts of the one the others share."""
    model = SentenceTransformerEmbedder()
    model.load()
    return model


def test_warm_vectors_are_saved_and_reused_by_the_next_process(embedder, tmp_path):
    saved = tmp_path / "warm.npz"
    texts = ["Leadership workshops build skills.", "Committees give exposure to governance."]
    embedder.warm_cache(texts, saved)
    assert saved.exists()

    restarted = SentenceTransformerEmbedder()  # a new process's embedder: its model is never loaded here
    restarted.warm_cache(texts, saved)
    assert not restarted.loaded
    np.testing.assert_allclose(restarted.embed_cached(texts), embedder.embed(texts), atol=1e-5)
    for n in range(5000):  # questions passing through the bounded cache never evict pinned texts
        restarted._cache.put(f"question {n}", np.zeros(3, dtype=np.float32))
    restarted.embed_cached([f"question {n}" for n in range(4100, 4105)])
    assert not restarted.loaded and restarted.embed_cached(texts).shape[0] == 2


def test_saved_vectors_of_another_model_or_a_broken_file_are_ignored(embedder, tmp_path):
    saved = tmp_path / "warm.npz"
    embedder.warm_cache(["A text."], saved)
    assert read_vectors(saved, "some/other-model") == {}
    torn = saved.read_bytes()[:40]  # a file cut short by a crash mid-write of another process
    saved.write_bytes(torn)
    assert read_vectors(saved, embedder.model_name) == {}
    saved.write_bytes(b"not a numpy archive")
    assert read_vectors(saved, embedder.model_name) == {}
    embedder.warm_cache(["A text."], saved)  # a broken file is replaced, not fatal
    assert list(read_vectors(saved, embedder.model_name)) == [digest("A text.")]


def test_question_sized_encodes_run_on_the_query_thread_count(embedder):
    import torch

    embedder.embed(["one question"])
    assert torch.get_num_threads() == embedder.query_threads
    embedder.embed([f"text {i}" for i in range(20)])
    assert torch.get_num_threads() == embedder._loader.batch_threads


def test_question_sized_encodes_match_the_library_encode(embedder):
    texts = ["How do I become a medical director?", "certifications"]
    library = embedder.load().encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(embedder.embed(texts), library, atol=1e-5)


def test_a_budget_caps_new_embeddings_and_leaves_the_rest_blank(embedder):
    known = "A sentence embedded before the budgeted call."
    embedder.embed_cached([known])
    texts = [known, "First new sentence.", "Second new sentence.", "Third new sentence."]
    vectors, embedded = embedder.embed_within(texts, budget=1)
    assert embedded == 1  # the cached text does not spend the budget
    assert not np.isnan(vectors[:2]).any()
    assert np.isnan(vectors[2:]).all()
    np.testing.assert_allclose(vectors[1], embedder.embed(["First new sentence."])[0], atol=1e-5)
    vectors, embedded = embedder.embed_within(texts, budget=None)
    assert embedded == 2 and not np.isnan(vectors).any()


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_concurrent_questions_are_encoded_together_with_the_vectors_each_would_get_alone(precision):
    embedder = SentenceTransformerEmbedder(batch_precision=precision)
    questions = [f"How many years of experience does director role {n} need?" for n in range(12)]
    alone = {q: embedder.embed([q, q.split()[-2]]) for q in questions}
    batches: list[int] = []
    encode = embedder._queries._coalesced._work

    def recording(requests):
        batches.append(len(requests))
        return encode(requests)

    embedder._queries._coalesced._work = recording
    start = threading.Barrier(len(questions))

    def ask(question: str) -> np.ndarray:
        start.wait(10)
        return embedder.embed([question, question.split()[-2]])

    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        together = dict(zip(questions, pool.map(ask, questions), strict=True))
    assert sum(batches) == len(questions) and max(batches) > 1  # some requests shared a model pass
    for question in questions:
        if precision == "fp32":  # the same vectors up to float rounding of a padded batch
            np.testing.assert_allclose(together[question], alone[question], atol=1e-5)
        else:  # bfloat16 arithmetic: the same direction, not the same bits
            assert (together[question] * alone[question]).sum(axis=1).min() > 0.9999
    if precision == "bf16":  # batches of several requests did run in bfloat16
        assert any(not np.array_equal(together[q], alone[q]) for q in questions)
    lone = questions[0]  # and a lone question is still encoded in float32, exactly as before
    assert np.array_equal(embedder.embed([lone, lone.split()[-2]]), alone[lone])
