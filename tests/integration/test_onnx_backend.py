"""The ONNX Runtime embedding backend: a local export in a cache folder, the same vectors and results."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from advisor.retrieval.embeddings import SentenceTransformerEmbedder, bundled_model_dir
from advisor.retrieval.onnx_export import OnnxExportError, load_onnx_encoder, onnx_path_for
from advisor.service import Advisor
from advisor.settings import Settings
from tests.conftest import CORPUS_DIR
from tests.integration.test_chroma_server import QUESTIONS

pytestmark = pytest.mark.slow  # an ONNX export of the model


@pytest.fixture(scope="module")
def onnx_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A home folder of its own, so the export lands in a temp ~/.cache and nowhere else."""
    home = tmp_path_factory.mktemp("onnx-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        yield home


@pytest.fixture(scope="module")
def onnx_embedder(onnx_home: Path) -> SentenceTransformerEmbedder:
    embedder = SentenceTransformerEmbedder(backend="onnx")
    embedder.load()
    return embedder


def test_export_lives_in_the_cache_not_beside_the_model(onnx_embedder, onnx_home: Path):
    exported = onnx_path_for(bundled_model_dir())
    assert exported.is_file() and exported.is_relative_to(onnx_home / ".cache" / "advisor" / "onnx")
    assert not list(bundled_model_dir().rglob("*.onnx"))
    stamp = exported.stat().st_mtime_ns
    load_onnx_encoder(bundled_model_dir())  # a second load reuses the export
    assert exported.stat().st_mtime_ns == stamp


def test_onnx_vectors_equal_torch_vectors(onnx_embedder, embedder, advisor: Advisor):
    texts = [c.index_text() for c in advisor.index.all_chunks()] + QUESTIONS + ["", "a" * 5000]
    onnx, torch = onnx_embedder.embed(texts), embedder.embed(texts)
    assert onnx.shape == torch.shape == (len(texts), embedder.dimension)
    assert float(np.abs(onnx - torch).max()) < 1e-4
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)


def test_onnx_backend_retrieves_the_same_chunks(onnx_embedder, advisor: Advisor, tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS_DIR, embedding_backend="onnx",  # type: ignore[call-arg]
                        _env_file=None)
    service = Advisor(settings, embedder=onnx_embedder)
    assert service.ingest().ok
    for question in QUESTIONS:
        for mode in ("dense", "hybrid"):
            got = [r.chunk.chunk_id for r in service.retrieve(question, mode=mode, k=5)]
            expected = [r.chunk.chunk_id for r in advisor.retrieve(question, mode=mode, k=5)]
            assert got == expected, (question, mode)


def test_onnx_backend_refuses_a_model_that_is_not_a_local_folder(tmp_path: Path):
    with pytest.raises(OnnxExportError, match="local model folder"):
        load_onnx_encoder(tmp_path / "no-such-model", cache_dir=tmp_path)
