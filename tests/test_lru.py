"""The bounded LRU cache behind the answer, question-vector and chunk-vector caches."""

from __future__ import annotations

import threading

from advisor.lru import LRUCache


def test_the_least_recently_used_entry_is_evicted_first():
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a read makes "a" the most recent
    cache.put("c", 3)
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3 and len(cache) == 2
    cache.put("a", 10)  # a write replaces the value and makes it the most recent
    cache.put("d", 4)
    assert cache.get_many(["a", "c", "d"]) == {"a": 10, "d": 4}


def test_get_many_and_put_many_refresh_in_order():
    cache: LRUCache[str, int] = LRUCache(3)
    cache.put_many({"a": 1, "b": 2, "c": 3})
    assert cache.get_many(["b", "a", "missing"]) == {"b": 2, "a": 1}  # now c is the least recent
    cache.put("d", 4)
    assert "c" not in cache
    cache.put_many([("e", 5), ("b", 20)])  # b written last: most recent; a and d were older
    assert cache.get_many(["a", "b", "d", "e"]) == {"b": 20, "e": 5, "d": 4}


def test_membership_does_not_refresh_and_clear_empties():
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put_many([("a", 1), ("b", 2)])
    assert "a" in cache  # a look, not a use
    cache.put("c", 3)
    assert "a" not in cache
    cache.clear()
    assert len(cache) == 0 and cache.get("b") is None


def test_size_zero_keeps_nothing():
    cache: LRUCache[str, int] = LRUCache(0)
    cache.put("a", 1)
    cache.put_many({"b": 2})
    assert len(cache) == 0 and cache.get("a") is None and cache.get_many(["a", "b"]) == {}


def test_threads_reading_and_writing_at_once_keep_it_bounded_and_consistent():
    cache: LRUCache[int, int] = LRUCache(50)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(offset: int) -> None:
        try:
            start.wait(10)
            for n in range(2000):
                key = (n * 7 + offset) % 120
                cache.put(key, key * 2)
                cache.put_many([(key + 1, (key + 1) * 2)])
                for k, v in cache.get_many(range(key, key + 10)).items():
                    assert v == k * 2
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert len(cache) == 50
