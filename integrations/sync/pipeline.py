"""Read ahead: produce the next items in threads while the caller consumes the current one."""

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
    return read_merged([items], depth + 1, idle=idle)


def read_merged(
    sources: list[Iterable], in_flight: int, *, idle: Callable[[], None] | None = None
) -> Iterator:
    """Iterate every one of `sources`, each in a thread of its own, merged as items come.

    At most `in_flight` items are being produced or wait for the consumer, the one it
    holds included, however many sources there are: what is in memory doesn't grow with
    them. The first exception of any producer is re-raised in the consumer, and stops
    the others at their next item, as the consumer stopping early does. `idle` as in
    `read_ahead`.
    """
    buffer: queue.Queue = queue.Queue()
    slots = threading.Semaphore(in_flight)
    stop = threading.Event()

    def produce(items: Iterable):
        iterator = iter(items)
        try:
            while True:
                while not slots.acquire(timeout=0.5):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                try:
                    item = next(iterator)
                except StopIteration:
                    slots.release()
                    buffer.put((_DONE, None))
                    return
                buffer.put((item, None))
        except BaseException as error:  # handed to the consumer, which re-raises it
            buffer.put((_DONE, error))

    threads = [
        threading.Thread(target=produce, args=(items,), name="jira-read-ahead", daemon=True)
        for items in sources
    ]
    for thread in threads:
        thread.start()
    running = len(threads)
    try:
        while running:
            try:
                item, error = buffer.get(timeout=IDLE_SECONDS if idle else None)
            except queue.Empty:
                idle()
                continue
            if item is _DONE:
                if error is not None:
                    raise error
                running -= 1
                continue
            yield item
            slots.release()  # the consumer is done with it
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
