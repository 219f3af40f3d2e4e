"""The auth grid: every route against every kind of credential, with and without API keys configured.

Each cell is a request whose expected status (and error code) follows from the rules in
`advisor.api.security`: probes are open; every /v1 route needs an API key when keys are set; widget tokens
work only on the chat routes (chat, stream, feedback) and only from the origin they were issued for; a
conversation is seen only by the key that made it; /metrics needs a key with `metrics_require_key`; and
an address that keeps failing is throttled (429). A cell whose status or code differs is a failure.

    .venv/bin/python evals/reliability/auth_grid.py [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KEY_A = "grid-key-a-" + "a" * 24
KEY_B = "grid-key-b-" + "b" * 24
PORTAL = "https://portal.example.org"
QUESTION = "What does a medical director do?"

# (name, method, path, body); {cid} and {mid} are a conversation and an answer of key A.
ROUTES = [
    ("chat", "POST", "/v1/chat", {"message": QUESTION}),
    ("chat stream", "POST", "/v1/chat/stream", {"message": QUESTION}),
    ("continue A's conversation", "POST", "/v1/chat", {"message": QUESTION, "conversation_id": "{cid}"}),
    ("read A's conversation", "GET", "/v1/conversations/{cid}", None),
    ("delete a missing conversation", "DELETE", "/v1/conversations/00000000-0000-4000-8000-00000000000f",
     None),
    ("feedback on A's answer", "POST", "/v1/feedback",
     {"conversation_id": "{cid}", "message_id": "{mid}", "rating": "up"}),
    ("sources", "GET", "/v1/sources", None),
    ("one source", "GET", "/v1/sources/career-as-medical-director", None),
    ("widget token", "POST", "/v1/widget-tokens", {"origin": PORTAL}),
    ("models", "GET", "/v1/models", None),
    ("chat completions", "POST", "/v1/chat/completions",
     {"model": "advisor", "messages": [{"role": "user", "content": QUESTION}]}),
    ("metrics", "GET", "/metrics", None),
    ("healthz", "GET", "/healthz", None),
    ("readyz", "GET", "/readyz", None),
]
CHAT_ROUTES = {"chat", "chat stream", "continue A's conversation", "feedback on A's answer"}
OWNED = {"continue A's conversation", "read A's conversation", "feedback on A's answer"}
PROBES = {"healthz", "readyz"}
SUCCESS = {"POST /v1/chat": 200, "POST /v1/chat/stream": 200, "GET": 200, "POST /v1/feedback": 201,
           "POST /v1/widget-tokens": 201, "POST /v1/chat/completions": 200, "DELETE": 404}

CREDENTIALS = ["none", "wrong key", "wrong X-API-Key", "Basic scheme", "key A", "key A as X-API-Key",
               "key B", "widget A from its origin", "widget A from another origin", "widget A without Origin",
               "expired widget", "forged widget", "widget of a removed key"]


@dataclass
class GridResult:
    cells: int = 0
    mismatches: list[str] = field(default_factory=list)
    throttle_checked: bool = False


def _success(method: str, path: str) -> int:
    return SUCCESS.get(f"{method} {path}", SUCCESS.get(method, 200))


def expected(keyed: bool, route: str, method: str, path: str, credential: str) -> tuple[int, str | None]:
    """The status (and error code) the rules give for `credential` on `route`."""
    ok = _success(method, path)
    if route in PROBES or (route == "metrics" and not keyed):
        return ok, None
    widget = credential.startswith(("widget", "expired", "forged"))
    if widget:
        if route not in CHAT_ROUTES:
            return 401, "widget_token_not_allowed"
        if credential == "expired widget":
            return 401, "widget_token_expired"
        if credential in ("forged widget", "widget of a removed key"):
            return 401, "invalid_widget_token"
        if credential != "widget A from its origin":
            return 401, "widget_origin_mismatch"
        return ok, None  # a widget token of A acts as A
    if not keyed:
        return ok, None  # every caller is the anonymous owner
    if credential in ("none", "Basic scheme"):
        return 401, "missing_api_key"
    if credential in ("wrong key", "wrong X-API-Key"):
        return 401, "invalid_api_key"
    if credential == "key B" and route in OWNED:
        return 404, None  # A's conversation does not exist for B
    return ok, None


def headers_for(credential: str, tokens: dict[str, str]) -> dict[str, str]:
    bearer = {"key A": KEY_A, "key B": KEY_B, "wrong key": "not-a-key-" + "x" * 20}
    if credential in bearer:
        return {"Authorization": f"Bearer {bearer[credential]}"}
    if credential == "key A as X-API-Key":
        return {"X-API-Key": KEY_A}
    if credential == "wrong X-API-Key":
        return {"X-API-Key": KEY_A + "x"}
    if credential == "Basic scheme":
        return {"Authorization": "Basic " + KEY_A}
    origins = {"widget A from its origin": PORTAL, "widget A from another origin": "https://evil.example",
               "expired widget": PORTAL, "forged widget": PORTAL, "widget of a removed key": PORTAL}
    if credential in tokens:
        origin = origins.get(credential)
        return {"Authorization": f"Bearer {tokens[credential]}", **({"Origin": origin} if origin else {})}
    return {}


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, str):
        return value.format(**ids)
    return value


def run_grid(build: Callable[..., Any]) -> GridResult:
    """`build(**settings_overrides)` returns a TestClient-like client on a fresh app over an ingested
    advisor. Runs the grid on a keyed app and on a key-less one, then the throttle."""
    from advisor.api.security import key_fingerprint

    result = GridResult()
    for keyed in (True, False):
        overrides: dict[str, Any] = {"cors_origins": [PORTAL], "auth_failures_per_minute": 0,
                                     "widget_token_secret": "grid-secret-0123456789"}
        if keyed:
            overrides.update(api_keys=[KEY_A, KEY_B], metrics_require_key=True)
        client = build(**overrides)
        signer = client.app.state.api.widget_tokens
        owner_a = key_fingerprint(KEY_A) if keyed else "anonymous"
        a = {"Authorization": f"Bearer {KEY_A}"} if keyed else {}
        issued = client.post("/v1/widget-tokens", json={"origin": PORTAL}, headers=a).json()["token"]
        payload, _, signature = issued.partition(".")
        tokens = {
            "widget A from its origin": issued, "widget A from another origin": issued,
            "widget A without Origin": issued,
            "expired widget": signer.issue(owner_a, PORTAL, now=time.time() - 3600)[0],
            "forged widget": f"{payload}.{signature[:-2]}{'BB' if signature.endswith('AA') else 'AA'}",
            "widget of a removed key": signer.issue(key_fingerprint("removed-" + "k" * 20), PORTAL)[0],
        }
        for route, method, path, body in ROUTES:
            for credential in CREDENTIALS:
                # a fresh conversation of A for each cell that touches one (a DELETE cell may have gone)
                chat = client.post("/v1/chat", json={"message": QUESTION}, headers=a).json()
                ids = {"cid": chat["conversation_id"], "mid": chat["message_id"]}
                response = client.request(method, _fill(path, ids), json=_fill(body, ids),
                                          headers=headers_for(credential, tokens))
                want_status, want_code = expected(keyed, route, method, path, credential)
                got_code = _error_code(response)
                result.cells += 1
                if response.status_code != want_status or (want_code and got_code != want_code):
                    result.mismatches.append(
                        f"{'keyed' if keyed else 'key-less'} | {route} | {credential}: got "
                        f"{response.status_code} {got_code}, expected {want_status} {want_code}")
    result.throttle_checked = _throttle(build, result)
    return result


def _error_code(response: Any) -> str | None:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


def _throttle(build: Callable[..., Any], result: GridResult) -> bool:
    """300 wrong keys from one address: 401 up to the limit, then 429 (Retry-After), even for a right key."""
    client = build(api_keys=[KEY_A], auth_failures_per_minute=30)
    statuses = [client.get("/v1/sources", headers={"Authorization": f"Bearer wrong-{i}"}).status_code
                for i in range(300)]
    after = client.get("/v1/sources", headers={"Authorization": f"Bearer {KEY_A}"})
    result.cells += 301
    good = statuses[:30] == [401] * 30 and set(statuses[30:]) == {429} and after.status_code == 429 \
        and "Retry-After" in after.headers
    if not good:
        result.mismatches.append(f"throttle: {statuses.count(401)} x 401, {statuses.count(429)} x 429, "
                                 f"then {after.status_code} for a right key")
    return good


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from advisor.api.app import create_app
    from advisor.service import Advisor
    from advisor.settings import Settings

    with tempfile.TemporaryDirectory(prefix="auth-grid-") as scratch:
        base = Settings(data_dir=Path(scratch) / "data", corpus_dir=ROOT / "corpus", web_ui=False,
                        rate_limit_per_minute=0, trusted_hosts=["testserver"],
                        _env_file=None)  # type: ignore[call-arg]
        advisor = Advisor(base)
        advisor.ingest()
        advisor.warm_up()
        clients: list[Any] = []

        def build(**overrides: Any) -> Any:
            db = Path(scratch) / f"conversations-{len(clients)}.sqlite3"
            settings = base.model_copy(update={"database_url": f"sqlite:///{db}", **overrides})
            if "widget_token_secret" in overrides:
                from pydantic import SecretStr

                settings = settings.model_copy(update={"widget_token_secret": SecretStr(overrides[
                    "widget_token_secret"])})
            client = TestClient(create_app(settings, advisor))
            clients.append(client.__enter__())
            return client

        result = run_grid(build)
        for client in clients:
            client.__exit__(None, None, None)
    print(f"auth grid: {result.cells} cells, {len(result.mismatches)} mismatches; throttle "
          f"{'as expected' if result.throttle_checked else 'WRONG'}")
    for line in result.mismatches[:40]:
        print("  " + line)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(result), indent=2))
    return 1 if result.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
