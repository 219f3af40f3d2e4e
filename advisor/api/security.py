"""Who is calling: API keys, short-lived widget tokens bound to an origin, and the auth dependencies.

An API key's owner name is a fingerprint (`key:<sha256 prefix>`), never the key itself; conversations
and rate-limit buckets hang off that name. A widget token carries its issuing key's owner name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from advisor.settings import Settings

log = logging.getLogger("advisor.api")

ANONYMOUS = "anonymous"
WIDGET_PREFIX = "wt_"

PrincipalKind = Literal["api_key", "widget", "anonymous"]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. `owner` names whose conversations it may see and whose quota it spends."""

    owner: str
    kind: PrincipalKind
    origin: str | None = None


class AuthError(Exception):
    """Authentication failed; `code` says why (shown to the caller, with a 401)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def key_fingerprint(key: str) -> str:
    """The stable, non-secret name of an API key."""
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:16]


def match_api_key(candidate: str, keys: list[str]) -> str | None:
    """The configured key equal to `candidate`, compared in constant time against every key."""
    found = None
    for key in keys:
        if hmac.compare_digest(candidate.encode(), key.encode()):
            found = key
    return found


def normalize_origin(value: str | None) -> str | None:
    """`scheme://host[:port]` in lower case, or None if `value` is not an http(s) origin."""
    if not value:
        return None
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        return None
    if parts.query or parts.fragment or parts.username or parts.password:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class WidgetClaims:
    owner: str
    origin: str
    expires_at: int


class WidgetTokenSigner:
    """Issues and checks `wt_<payload>.<hmac-sha256>` tokens: an owner, an origin and an expiry time."""

    def __init__(self, secret: bytes, ttl_seconds: int) -> None:
        self._secret = secret
        self.ttl_seconds = ttl_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> WidgetTokenSigner:
        """Use `widget_token_secret`; without one, a random per-process secret (with a warning)."""
        if settings.widget_token_secret is not None and settings.widget_token_secret.get_secret_value():
            secret = settings.widget_token_secret.get_secret_value().encode()
        else:
            secret = secrets.token_bytes(32)
            log.warning("ADVISOR_WIDGET_TOKEN_SECRET is not set: using a random per-process secret, so "
                        "widget tokens will not survive a restart and are not shared between workers")
        return cls(secret, settings.widget_token_ttl_seconds)

    def issue(self, owner: str, origin: str, now: float | None = None) -> tuple[str, int]:
        """A token for `owner` usable only from `origin`; returns (token, expiry as a Unix time)."""
        expires_at = int(now if now is not None else time.time()) + self.ttl_seconds
        payload = _b64(json.dumps({"sub": owner, "origin": origin, "exp": expires_at,
                                   "jti": secrets.token_hex(8)}, separators=(",", ":")).encode())
        return f"{WIDGET_PREFIX}{payload}.{self._sign(payload)}", expires_at

    def verify(self, token: str, now: float | None = None) -> WidgetClaims:
        """The token's claims. Raises AuthError if it is malformed, forged or expired."""
        body = token.removeprefix(WIDGET_PREFIX)
        payload, _, signature = body.partition(".")
        expected = self._sign(payload).encode()
        if not payload or not signature or not hmac.compare_digest(signature.encode(), expected):
            raise AuthError("invalid_widget_token", "The widget token is not valid.")
        try:
            claims = json.loads(_unb64(payload))
            result = WidgetClaims(str(claims["sub"]), str(claims["origin"]), int(claims["exp"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise AuthError("invalid_widget_token", "The widget token is not valid.") from exc
        if result.expires_at <= (now if now is not None else time.time()):
            raise AuthError("widget_token_expired",
                            "The widget token has expired; ask the portal for a new one.")
        return result

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode(), hashlib.sha256).digest())


def credential_from_headers(authorization: str | None, api_key_header: str | None) -> str | None:
    """The credential a request carries: `Authorization: Bearer <x>` or `X-API-Key: <x>`."""
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    if api_key_header and api_key_header.strip():
        return api_key_header.strip()
    return None


def authenticate(settings: Settings, signer: WidgetTokenSigner, credential: str | None, origin: str | None,
                 allow_widget: bool) -> Principal:
    """The caller behind `credential`. Raises AuthError.

    Without configured API keys every caller is the anonymous owner (the server then only binds to loopback);
    widget tokens are still checked, so a widget works the same way in development.
    """
    keys = settings.api_keys
    if credential and credential.startswith(WIDGET_PREFIX):
        if not allow_widget:
            raise AuthError("widget_token_not_allowed", "Widget tokens are only accepted by the chat routes.")
        claims = signer.verify(credential)
        owners = {key_fingerprint(k) for k in keys} if keys else {ANONYMOUS}
        if claims.owner not in owners:  # the issuing key has since been removed
            raise AuthError("invalid_widget_token", "The widget token is not valid.")
        if normalize_origin(origin) != claims.origin:
            raise AuthError("widget_origin_mismatch", "The widget token is not valid for this origin.")
        return Principal(owner=claims.owner, kind="widget", origin=claims.origin)
    if not keys:
        return Principal(owner=ANONYMOUS, kind="anonymous")
    if credential is None:
        raise AuthError("missing_api_key", "An API key is required: send `Authorization: Bearer <key>`.")
    key = match_api_key(credential, keys)
    if key is None:
        raise AuthError("invalid_api_key", "The API key is not valid.")
    return Principal(owner=key_fingerprint(key), kind="api_key")


def allowed_widget_origins(settings: Settings) -> set[str]:
    """Origins a widget token may be bound to: the CORS allowlist, the allowed frame ancestors and the
    advisor's configured public origin (`public_url`). Never anything a request says about itself."""
    configured = [*settings.cors_origins, *settings.frame_ancestors, *filter(None, [settings.public_url])]
    origins = {normalize_origin(o) for o in configured}
    return {o for o in origins if o}


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def allowed_hosts(settings: Settings) -> frozenset[str] | None:
    """The host names requests may address (lower case, no port), or None when any host is fine.

    Without API keys the server is open to whoever reaches it, so it answers only loopback names (and
    `public_url`'s and `trusted_hosts`): a page on a rebound DNS name (`evil.example` resolving to 127.0.0.1)
    cannot use it. With keys the list is checked only when `trusted_hosts` is set. `*` allows any host.
    """
    if "*" in settings.trusted_hosts or (settings.api_keys and not settings.trusted_hosts):
        return None
    public = urlsplit(settings.public_url).hostname if settings.public_url else None
    named = {h.strip().lower().strip("[]") for h in [*settings.trusted_hosts, *filter(None, [public])]}
    return LOOPBACK_HOSTS | {h for h in named if h}


def host_of(header: str) -> str:
    """The host name of a `Host` header value, lower case, without port or IPv6 brackets."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    return value.rpartition(":")[0] if value.count(":") == 1 else value
