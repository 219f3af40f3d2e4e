"""The prepared data directory a cold question reads: the ONNX question encoder exported and checked against
torch at ingest, and the saved warm-up vectors looked up as texts come (see `SentenceTransformerEmbedder.
use_prepared`). The export is of the real bundled model; the vector-file units use fake vectors."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest

from advisor.retrieval.embeddings import SentenceTransformerEmbedder, bundled_model_dir
from advisor.retrieval.onnx_export import model_key
from advisor.retrieval.onnx_query import (
    QUERY_ENCODER_DIR,
    TOLERANCE,
    EncoderCheck,
    OnnxQueryEncoder,
    read_check,
)
from advisor.retrieval.vector_cache import VectorCache, digest, read_vectors, warm_vectors_path, write_vectors

QUESTIONS = ["What does a medical director earn?", "and in government agencies?", "MBA",
             "How many years of practice do I need before I apply?", ""]


def fake_vector(text: str) -> np.ndarray:
    raw = np.frombuffer(digest(text).encode()[:16], dtype=np.uint8).astype(np.float32) + 1
    return raw / np.linalg.norm(raw)


class CountingEmbed:
    def __init__(self) -> None:
        self.embedded: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        return np.array([fake_vector(t) for t in texts])


def test_saving_keeps_what_is_there_embeds_only_new_texts_and_drops_the_rest(tmp_path: Path):
    embed, saved = CountingEmbed(), tmp_path / "warm.npz"
    cache = VectorCache(embed, lambda: 16, 8)
    assert cache.save(["old heading", "old sentence"], saved, "m") == 2
    assert cache.save(["old sentence", "new sentence"], saved, "m") == 1  # an ingest that changed one chunk
    assert embed.embedded == ["old heading", "old sentence", "new sentence"]
    assert set(read_vectors(saved, "m")) == {digest("old sentence"), digest("new sentence")}
    stamp = saved.stat().st_mtime_ns
    assert cache.save(["new sentence", "old sentence"], saved, "m") == 0  # nothing changed: not rewritten
    assert saved.stat().st_mtime_ns == stamp
    assert cache.embed_within(["old sentence"], budget=None)[1] == 1  # saving pins nothing


def test_saved_vectors_are_looked_up_as_texts_come_and_only_the_rest_embedded(tmp_path: Path):
    saved = tmp_path / "warm.npz"
    write_vectors(saved, "m", {digest(t): fake_vector(t) for t in ["a heading", "a sentence"]})
    embed = CountingEmbed()
    cache = VectorCache(embed, lambda: 16, 8)
    cache.look_up(saved, "m")
    vectors, embedded = cache.embed_within(["a question", "a sentence", "a heading"], budget=0)
    assert embedded == 0 and embed.embedded == []  # found in the file: no budget spent on them
    assert np.isnan(vectors[0]).all() and np.array_equal(vectors[1], fake_vector("a sentence"))
    cache.embed_within(["a question", "a heading"], budget=None)
    assert embed.embedded == ["a question"]
    other = VectorCache(embed, lambda: 16, 8)
    other.look_up(saved, "another model")  # vectors of another model are never taken
    other.embed_within(["a heading"], budget=None)
    assert embed.embedded == ["a question", "a heading"]


def write_check(data_dir: Path, check: EncoderCheck) -> None:
    folder = data_dir / QUERY_ENCODER_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.onnx").write_bytes(b"not read until a text is encoded")
    (folder / "check.json").write_text(json.dumps(asdict(check)), encoding="utf-8")


def test_only_an_export_that_passed_its_check_for_this_model_and_runtime_is_used(tmp_path: Path):
    from importlib.metadata import version

    model = bundled_model_dir()
    good = EncoderCheck(model_key(model), version("onnxruntime"), 11, TOLERANCE / 10)
    assert OnnxQueryEncoder.find(tmp_path, model) is None  # nothing exported
    for check, usable in [(good, True), (replace(good, max_difference=TOLERANCE * 10), False),
                          (replace(good, model="all-MiniLM-L6-v2-0123456789abcdef"), False),
                          (replace(good, onnxruntime="0.0.1"), False)]:
        write_check(tmp_path, check)
        assert (OnnxQueryEncoder.find(tmp_path, model) is not None) is usable, check
    (tmp_path / QUERY_ENCODER_DIR / "check.json").write_text("{torn", encoding="utf-8")
    assert read_check(tmp_path / QUERY_ENCODER_DIR) is None
    assert OnnxQueryEncoder.find(tmp_path, model) is None


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Path:
    """A data directory with the question encoder exported and checked, as `advisor ingest` leaves it."""
    data_dir = tmp_path_factory.mktemp("prepared")
    check = embedder.export_query_encoder(data_dir)
    assert check.passed and check.texts >= 10, check
    return data_dir


@pytest.mark.slow  # an ONNX export of the model
def test_the_export_gives_torchs_vectors_and_is_made_once(prepared: Path,
                                                          embedder: SentenceTransformerEmbedder):
    exported = prepared / QUERY_ENCODER_DIR / "model.onnx"
    stamp = exported.stat().st_mtime_ns
    assert embedder.export_query_encoder(prepared).passed  # the next ingest keeps it
    assert exported.stat().st_mtime_ns == stamp
    encoder = OnnxQueryEncoder.find(prepared, bundled_model_dir())
    assert encoder is not None
    texts = [*QUESTIONS, "Über-qualified médecins, 40% → 60%", "leadership " * 400]
    largest = max(float(np.abs(encoder.encode([t]) - embedder.embed([t])).max()) for t in texts)
    assert largest <= TOLERANCE
    batch = encoder.encode(texts, alone=False)  # many texts not saved (a large corpus's sentences), batched
    np.testing.assert_allclose(batch, embedder.embed(texts), atol=1e-5)


@pytest.mark.slow  # an ONNX export of the model
def test_a_prepared_embedder_never_loads_the_torch_model(prepared: Path,
                                                        embedder: SentenceTransformerEmbedder):
    saved = ["A heading the ingest saved.", "An answer sentence the ingest saved."]
    embedder.save_vectors(saved, warm_vectors_path(prepared))
    cold = SentenceTransformerEmbedder()
    assert cold.use_prepared(prepared)
    vectors = cold.embed_cached([*QUESTIONS[:2], *saved])
    assert cold.dimension == embedder.dimension
    assert not cold.loaded  # the torch model was never loaded
    np.testing.assert_allclose(vectors, embedder.embed_cached([*QUESTIONS[:2], *saved]), atol=TOLERANCE)
    cold.load()  # once torch is loaded (e.g. a warm-up), it encodes
    np.testing.assert_allclose(cold.embed([QUESTIONS[0]]), vectors[:1], atol=TOLERANCE)


def test_without_an_export_a_prepared_embedder_uses_torch(tmp_path: Path):
    cold = SentenceTransformerEmbedder()
    assert not cold.use_prepared(tmp_path)
    onnx_backend = SentenceTransformerEmbedder(backend="onnx")
    write_check(tmp_path, EncoderCheck("any", "any", 1, 0.0))
    assert not onnx_backend.use_prepared(tmp_path)  # that backend is ONNX already
