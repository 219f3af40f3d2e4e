"""Bounded waiting on a model: a stream that cannot hang, whatever the server or the model does."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

_ITEM, _DONE, _ERROR = "item", "done", "error"


class DeadlineExceeded(TimeoutError):
    """The model gave no token within the wait limit, or the whole answer took too long."""


def iterate_with_deadline(start: Callable[[], Iterator[T]], idle_timeout: float, total_timeout: float,
                          name: str = "llm-stream") -> Iterator[T]:
    """Yield the items of `start()`, produced in a worker thread, raising `DeadlineExceeded` when none
    arrives within `idle_timeout` seconds or the total passes `total_timeout`.

    Errors of the producer are re-raised here. When the consumer stops early (deadline, or closing this
    generator), the worker is told to stop and closes the producer at its next item; a producer blocked
    in I/O ends by its own client timeout.
    """
    inbox: queue.Queue[tuple[str, object]] = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        iterator: Iterator[T] | None = None
        try:
            iterator = start()
            for item in iterator:
                if stop.is_set():
                    break
                inbox.put((_ITEM, item))
            inbox.put((_DONE, None))
        except BaseException as exc:  # noqa: BLE001  (handed to the consumer)
            inbox.put((_ERROR, exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001  (closing an abandoned stream must not raise)
                    pass

    threading.Thread(target=work, name=name, daemon=True).start()
    deadline = time.monotonic() + total_timeout
    try:
        while True:
            wait = min(idle_timeout, deadline - time.monotonic())
            if wait <= 0:
                raise DeadlineExceeded(f"no complete answer within {total_timeout:g} s")
            try:
                kind, value = inbox.get(timeout=wait)
            except queue.Empty:
                over_total = time.monotonic() >= deadline
                limit = f"{total_timeout:g} s in all" if over_total else f"{idle_timeout:g} s"
                raise DeadlineExceeded(f"the model sent nothing for {limit}") from None
            if kind == _DONE:
                return
            if kind == _ERROR:
                assert isinstance(value, BaseException)
                raise value
            yield value  # type: ignore[misc]
    finally:
        stop.set()
