"""A small thread-safe bounded LRU cache: the one implementation behind every in-memory cache of recent
results (answers, question vectors, chunk vectors)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """Keeps the `size` most recently used entries; size 0 (or less) keeps nothing.

    Reading an entry (`get`, `get_many`) or writing it (`put`, `put_many`) makes it the most recent; a write
    beyond `size` evicts the least recently used. Every method is safe to call from several threads.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value stored for `key` (now the most recent), or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def get_many(self, keys: Iterable[K]) -> dict[K, V]:
        """The stored values of those `keys` that are stored (each now among the most recent, in order)."""
        found: dict[K, V] = {}
        with self._lock:
            for key in keys:
                value = self._entries.get(key)
                if value is not None:
                    self._entries.move_to_end(key)
                    found[key] = value
        return found

    def put(self, key: K, value: V) -> None:
        """Store `value` as the most recent entry, evicting the least recent beyond `size`."""
        self.put_many(((key, value),))

    def put_many(self, items: Mapping[K, V] | Iterable[tuple[K, V]]) -> None:
        """Store every (key, value), in order (the last one is the most recent); then evict beyond `size`."""
        if self.size <= 0:
            return
        pairs = items.items() if isinstance(items, Mapping) else items
        with self._lock:
            for key, value in pairs:
                self._entries[key] = value
                self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __contains__(self, key: object) -> bool:
        """Whether `key` is stored (does not make it more recent)."""
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)
