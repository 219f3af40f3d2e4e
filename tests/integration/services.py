"""Start and stop a real Chroma server and a throwaway PostgreSQL cluster on loopback (tests, benchmarks).

Standard library only, so the benchmarks can use it too. As a script it brings both up and prints the
`ADVISOR_*` variables that point the advisor at them, until Ctrl-C:

    .venv/bin/python tests/integration/services.py [--chroma-only]
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from glob import glob
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
START_TIMEOUT = 60.0


class ServiceUnavailable(RuntimeError):
    """A service's binaries are missing on this machine (the tests that need it skip)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, timeout: float = START_TIMEOUT, process: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers 2xx; raises RuntimeError on timeout or if `process` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if 200 <= response.status < 300:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def stop_process(process: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if it does not exit in time (only the process we started)."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


class ChromaServer:
    """`chroma run --path DIR --host 127.0.0.1 --port P` (the binary shipped by the chromadb package)."""

    def __init__(self, path: Path, port: int | None = None, log_path: Path | None = None) -> None:
        self.binary = shutil.which("chroma", path=str(VENV_BIN)) or shutil.which("chroma")
        if not self.binary:
            raise ServiceUnavailable("the `chroma` command (chromadb package) is not installed")
        self.path = Path(path)
        self.port = port or free_port()
        self.log_path = log_path or self.path.with_name(self.path.name + ".log")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ChromaServer:
        self.path.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(self.binary), "run", "--path", str(self.path), "--host", "127.0.0.1",
             "--port", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        log.close()
        try:
            wait_for_http(f"{self.url}/api/v2/heartbeat", process=self.process)
        except RuntimeError as exc:
            self.stop()
            raise RuntimeError(f"Chroma server did not start: {exc}; log: {self.log_tail()}") from exc
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def restart(self) -> None:
        """Stop and start again on the same port and data directory."""
        self.stop()
        self.start()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class AdvisorServer:
    """The advisor's HTTP API in its own process: uvicorn with the app factory, or any `advisor serve` line.

    `env` holds the ADVISOR_* settings; `start` returns once /readyz answers 200 (model and index loaded).
    """

    def __init__(self, env: dict[str, str], log_path: Path, port: int | None = None,
                 command: list[str] | None = None) -> None:
        self.port = port or free_port()
        self.env = env
        self.log_path = log_path
        self.command = command or [sys.executable, "-m", "uvicorn", "advisor.server:app_from_env",
                                   "--factory", "--host", "127.0.0.1", "--port", str(self.port),
                                   "--log-level", "warning"]
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 240.0) -> AdvisorServer:
        return self.launch().wait_ready(timeout)

    def launch(self) -> AdvisorServer:
        """Start the process without waiting (start several, then `wait_ready` on each)."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2],
                                        env={**base, "HF_HUB_OFFLINE": "1", **self.env},
                                        start_new_session=True)
        log.close()
        return self

    def wait_ready(self, timeout: float = 240.0) -> AdvisorServer:
        try:
            wait_for_http(f"{self.url}/readyz", timeout=timeout, process=self.process)
        except RuntimeError as exc:
            self.stop()
            tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])
            raise RuntimeError(f"advisor server did not become ready: {exc}\n{tail}") from exc
        return self

    def stop(self) -> None:
        """Stop the server and any worker processes it started (its own process group)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
            except ProcessLookupError:
                pass
        self.process = None


def postgres_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb, pg_ctl and postgres."""
    found = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parts[-3].split(".")[0]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).parent
    raise ServiceUnavailable("PostgreSQL server binaries not found (as root: bash scripts/system-deps.sh)")


class PostgresServer:
    """A throwaway cluster in its own temp dir: trust auth, loopback TCP on a free port, socket in the dir.

    PostgreSQL refuses to run as root, so under root the cluster belongs to the `postgres` user (or
    `nobody` when there is no such user); otherwise it runs as the current user.
    """

    database = "advisor"

    def __init__(self, port: int | None = None) -> None:
        self.bin = postgres_bin_dir()
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="advisor-pg-"))
        self.data = self.root / "data"
        self.log_path = self.root / "postgres.log"
        self.user, self.uid, self.gid = _cluster_owner()
        self.started = False

    @property
    def url(self) -> str:
        """A SQLAlchemy URL for psycopg 3 over loopback TCP."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        kwargs: dict = {}
        if os.getuid() == 0:
            kwargs = {"user": self.uid, "group": self.gid, "extra_groups": []}
        result = subprocess.run(list(args), capture_output=True, text=True, timeout=120, cwd=self.root,
                                env={**os.environ, "LC_ALL": "C", "LANG": "C"}, **kwargs)
        if result.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed ({result.returncode}): {result.stderr.strip()}"
                               f"\n{self._log_tail()}")
        return result

    def start(self) -> PostgresServer:
        os.chown(self.root, self.uid, self.gid)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust",
                  "--encoding=UTF8", "--no-sync")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log_path), "-o", options,
                  "-w", "-t", str(int(START_TIMEOUT)), "start")
        self.started = True
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
                  self.database)
        return self

    def stop(self) -> None:
        """Stop the cluster and delete its directory."""
        if self.started:
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _cluster_owner() -> tuple[str, int, int]:
    if os.getuid() != 0:
        entry = pwd.getpwuid(os.getuid())
        return entry.pw_name, entry.pw_uid, entry.pw_gid
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_name, entry.pw_uid, entry.pw_gid
    raise ServiceUnavailable("running as root with no `postgres` or `nobody` user to own the cluster")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chroma-only", action="store_true", help="Do not start PostgreSQL.")
    parser.add_argument("--chroma-path", type=Path, default=None, help="Chroma data folder (default: temp).")
    args = parser.parse_args()
    chroma_path = args.chroma_path or Path(tempfile.mkdtemp(prefix="advisor-chroma-")) / "chroma"
    chroma = ChromaServer(chroma_path).start()
    postgres = None if args.chroma_only else PostgresServer().start()
    print(f"export ADVISOR_CHROMA_URL={chroma.url}")
    if postgres is not None:
        print(f"export ADVISOR_DATABASE_URL={postgres.url}")
    print("# Ctrl-C stops them", flush=True)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        chroma.stop()
        if postgres is not None:
            postgres.stop()


if __name__ == "__main__":
    main()
