"""Read ahead: produce the next item in a thread while the caller consumes the current one."""

import queue
import threading
from collections.abc import Callable, Iterable, Iterator

_DONE = object()
# How often a waiting consumer calls its `idle` callback (a sync checks for a cancel there).
IDLE_SECONDS = 0.25


def read_ahead(
    items: Iterable, depth: int = 1, *, idle: Callable[[], None] | None = None
) -> Iterator:
    """Iterate `items` in a background thread, at most `depth` items ahead of the consumer.

    An exception in the producer is re-raised in the consumer; if the consumer
    stops early, the producer stops at its next item. While the consumer waits for an
    item, `idle()` is called every IDLE_SECONDS in the consumer's thread; what it raises
    ends the iteration.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(entry) -> bool:
        """Put `entry` in the buffer unless the consumer stops first."""
        while not stop.is_set():
            try:
                buffer.put(entry, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in items:
                if not hand_over((item, None)):
                    return
            hand_over((_DONE, None))
        except BaseException as error:  # handed to the consumer, which re-raises it
            hand_over((_DONE, error))

    thread = threading.Thread(target=produce, name="jira-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            try:
                item, error = buffer.get(timeout=IDLE_SECONDS if idle else None)
            except queue.Empty:
                idle()
                continue
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join(timeout=60)
