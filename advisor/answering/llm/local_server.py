"""Run llama-cpp-python's OpenAI-compatible server on loopback for a GGUF file (tests, benchmarks, demos).

    with LocalLlamaServer(find_bundled_gguf()) as server:
        settings = Settings(answerer="openai", llm_base_url=server.base_url)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx


class LocalServerError(RuntimeError):
    """The server did not start (missing extra, bad model file) or did not become ready in time."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalLlamaServer:
    """`python -m llama_cpp.server` as a child process on 127.0.0.1 and a free port."""

    def __init__(self, model_path: Path, n_ctx: int = 2048, threads: int | None = None,
                 startup_timeout: float = 120.0, python: str = sys.executable) -> None:
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.threads = threads
        self.startup_timeout = startup_timeout
        self.python = python
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="llama-server-", suffix=".log", delete=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> str:
        """Start the server and wait until it answers; returns the base URL. Raises LocalServerError."""
        if not self.model_path.is_file():
            raise LocalServerError(f"model file not found: {self.model_path}")
        self.port = free_port()
        command = [self.python, "-m", "llama_cpp.server", "--model", str(self.model_path),
                   "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(self.n_ctx),
                   "--verbose", "False"]
        if self.threads:
            command += ["--n_threads", str(self.threads), "--n_threads_batch", str(self.threads)]
        self._process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT,
                                         env={**os.environ, "NO_PROXY": "127.0.0.1"})
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                raise LocalServerError(f"llama_cpp.server exited with {code}: {self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=1.0).status_code == 200:
                    return self.base_url
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        waited = f"{self.startup_timeout:g} s"
        raise LocalServerError(f"llama_cpp.server not ready after {waited}: {self.log_tail()}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._process = None

    def log_tail(self, chars: int = 2000) -> str:
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")[-chars:]

    def __enter__(self) -> LocalLlamaServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)
