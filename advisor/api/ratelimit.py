"""A per-key sliding-window rate limiter, in memory (each worker process counts on its own).

The same limiter counts requests per API key (`hit`: count, refuse above the limit) and failed
authentications per client address (`add` after a failure, `wait` before handling the next request).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """Allows at most `limit` hits per `window` seconds for each key; `limit <= 0` disables limiting."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._checks = 0

    def hit(self, key: str) -> int | None:
        """Count one request for `key`. Returns None when allowed, else the seconds to wait (>= 1)."""
        if self.limit <= 0:
            return None
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            self._checks += 1
            if self._checks % 1000 == 0:
                self._forget_idle(now)
            return None

    def wait(self, key: str) -> int | None:
        """Without counting: None while `key` is under its limit, else the seconds until a hit expires."""
        if self.limit <= 0:
            return None
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if hits is None or len(hits) < self.limit:
                return None
            return max(1, math.ceil(hits[0] + self.window - now))

    def add(self, key: str) -> None:
        """Count one event for `key` whatever the limit (a failed authentication, say)."""
        if self.limit <= 0:
            return
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) < self.limit:  # more would never lengthen the wait: memory stays bounded
                hits.append(now)
            self._checks += 1
            if self._checks % 1000 == 0:
                self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Drop keys with no hit in the window, so memory stays bounded by the active keys."""
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]:
            del self._hits[key]
