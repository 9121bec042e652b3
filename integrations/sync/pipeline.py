"""Read ahead: produce the next item in a thread while the caller consumes the current one."""

import queue
import threading
from collections.abc import Iterable, Iterator

_DONE = object()


def read_ahead(items: Iterable, depth: int = 1) -> Iterator:
    """Iterate `items` in a background thread, at most `depth` items ahead of the consumer.

    An exception in the producer is re-raised in the consumer; if the consumer
    stops early, the producer stops at its next item.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce():
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put((item, None), timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put((_DONE, None))
        except BaseException as error:  # handed to the consumer, which re-raises it
            buffer.put((_DONE, error))

    thread = threading.Thread(target=produce, name="jira-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = buffer.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join(timeout=60)
