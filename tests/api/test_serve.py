"""`advisor serve`: refuses open non-loopback binds; really serves (and warms up) on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from advisor.cli.serve import is_loopback
from advisor.settings import Settings
from tests.api.conftest import KEY_A, QUESTION, free_port
from tests.conftest import PROJECT_ROOT


def clean_env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    return {**base, "HF_HUB_OFFLINE": "1", **extra}


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
def test_refuses_a_non_loopback_host_without_keys(host: str, tmp_path: Path):
    result = subprocess.run([sys.executable, "-m", "advisor", "serve", "--host", host], capture_output=True,
                            text=True, env=clean_env(ADVISOR_DATA_DIR=str(tmp_path)), timeout=120,
                            cwd=PROJECT_ROOT)
    assert result.returncode == 2
    assert f"refusing to listen on {host} without API keys" in result.stderr
    assert "ADVISOR_API_KEYS" in result.stderr


@pytest.mark.parametrize(("host", "expected"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("10.0.0.5", False), ("192.0.2.10", False),
])
def test_loopback_detection(host: str, expected: bool):
    assert is_loopback(host) is expected


@pytest.fixture
def served(settings: Settings, advisor, tmp_path: Path) -> Iterator[tuple[str, Path]]:  # noqa: ANN001
    """`advisor serve` in a subprocess over the session data dir (which the `advisor` fixture ingests)."""
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = clean_env(ADVISOR_DATA_DIR=str(settings.data_dir), ADVISOR_API_KEYS=json.dumps([KEY_A]),
                    ADVISOR_DATABASE_URL=f"sqlite:///{tmp_path / 'conversations.sqlite3'}")
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "advisor", "serve", "--port", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT, env=env, cwd=PROJECT_ROOT)
    try:
        yield f"http://127.0.0.1:{port}", log_path
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def wait_ready(url: str, seconds: float = 240) -> httpx.Response:
    deadline = time.monotonic() + seconds
    last: httpx.Response | None = None
    while time.monotonic() < deadline:
        try:
            last = httpx.get(f"{url}/readyz", timeout=5)
            if last.status_code == 200:
                return last
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"not ready in {seconds}s: {last.text if last else 'no answer'}")


def test_serve_warms_up_and_answers(served: tuple[str, Path]):
    url, log_path = served
    ready = wait_ready(url)
    assert ready.json()["checks"]["index_loaded"] is True
    headers = {"Authorization": f"Bearer {KEY_A}"}
    chat = httpx.post(f"{url}/v1/chat", json={"message": QUESTION}, headers=headers, timeout=60)
    assert chat.status_code == 200 and chat.json()["citations"]
    assert httpx.post(f"{url}/v1/chat", json={"message": QUESTION}, timeout=60).status_code == 401
    assert httpx.get(f"{url}/openapi.json", timeout=10).json()["info"]["title"]

    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("msg") == "request"]
    assert any(line["request_id"] == chat.headers["x-request-id"] for line in requests)
    assert any(line["msg"] == "ready" for line in lines)
    assert QUESTION not in log_path.read_text()
