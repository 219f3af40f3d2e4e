"""Coalescing concurrent calls into batches: real threads, and work held mid-batch to make callers queue."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from advisor.coalesce import Coalescer


class HeldWork:
    """Doubles numbers; the first batch waits until released, so later callers pile up behind it."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            assert self.release.wait(10)
        if self.fail_on in items:
            raise ValueError(f"cannot double {self.fail_on}")
        return [2 * n for n in items]


def wait_until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def queue_behind_a_held_batch(coalesce: Coalescer, work: HeldWork, items: list[int],
                              pool: ThreadPoolExecutor):
    """Callers of `items` queued while a first call's batch is held; then the batch is released."""
    first = pool.submit(coalesce, 100)
    wait_until(lambda: len(work.batches) == 1)
    rest = [pool.submit(coalesce, n) for n in items]
    wait_until(lambda: len(coalesce._queue) == len(items))
    work.release.set()
    return first, rest


def test_a_lone_call_is_computed_at_once_in_its_own_batch():
    work = HeldWork()
    work.release.set()
    coalesce = Coalescer(work)
    assert coalesce(3) == 6
    assert coalesce(4) == 8
    assert work.batches == [[3], [4]]


def test_calls_arriving_during_a_batch_are_computed_together_each_getting_its_own_result():
    work = HeldWork()
    coalesce = Coalescer(work)
    with ThreadPoolExecutor(max_workers=12) as pool:
        first, rest = queue_behind_a_held_batch(coalesce, work, list(range(10)), pool)
        assert first.result(10) == 200
        assert [f.result(10) for f in rest] == [2 * n for n in range(10)]
    assert work.batches[0] == [100]
    assert sorted(work.batches[1]) == list(range(10)) and len(work.batches) == 2


def test_batches_are_capped_at_max_batch():
    work = HeldWork()
    coalesce = Coalescer(work, max_batch=4)
    with ThreadPoolExecutor(max_workers=12) as pool:
        _, rest = queue_behind_a_held_batch(coalesce, work, list(range(10)), pool)
        assert [f.result(10) for f in rest] == [2 * n for n in range(10)]
    assert [len(b) for b in work.batches] == [1, 4, 4, 2]


def test_a_failing_batch_fails_each_of_its_callers_and_the_next_calls_still_work():
    work = HeldWork(fail_on=5)
    coalesce = Coalescer(work)
    with ThreadPoolExecutor(max_workers=12) as pool:
        first, rest = queue_behind_a_held_batch(coalesce, work, list(range(8)), pool)
        assert first.result(10) == 200
        for future in rest:
            with pytest.raises(ValueError, match="cannot double 5"):
                future.result(10)
    assert coalesce(7) == 14  # nobody is left holding the lead
    assert not coalesce._running


def test_work_returning_the_wrong_number_of_results_is_an_error_not_a_hang():
    class FirstResultOnly(HeldWork):
        def __call__(self, items: list[int]) -> list[int]:
            return super().__call__(items)[:1]

    work = FirstResultOnly()
    coalesce = Coalescer(work)
    with ThreadPoolExecutor(max_workers=4) as pool:
        first, rest = queue_behind_a_held_batch(coalesce, work, [1, 2, 3], pool)
        assert first.result(10) == 200
        for future in rest:
            with pytest.raises(RuntimeError, match="1 results for 3 items"):
                future.result(10)
