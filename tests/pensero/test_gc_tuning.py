import gc
import threading

import pytest

from pensero.gc_tuning import THRESHOLDS, bulk_allocations, with_bulk_allocations


def test_the_collector_is_tuned_inside_and_put_back_after():
    before = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    lasting = [object() for _ in range(10)]  # noqa: F841 - alive when the block starts
    with bulk_allocations():
        assert gc.get_threshold() == THRESHOLDS
        assert gc.get_freeze_count() > frozen_before
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_nested_and_concurrent_blocks_restore_once_the_last_one_ends():
    before = gc.get_threshold()
    inside = threading.Event()
    release = threading.Event()

    def other_block():
        with bulk_allocations():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other_block)
    thread.start()
    assert inside.wait(5)
    with bulk_allocations(), bulk_allocations():  # nested in this thread
        assert gc.get_threshold() == THRESHOLDS
    assert gc.get_threshold() == THRESHOLDS  # the other thread's block is still open
    release.set()
    thread.join(5)
    assert gc.get_threshold() == before


def test_an_error_in_the_block_still_puts_the_collector_back():
    before = gc.get_threshold()

    @with_bulk_allocations
    def fails():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fails()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
