"""The garbage collector paused for bulk work: restored afterwards, whatever happens."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from store.collector import collector_paused


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    """Start every test with the collector on, and leave it as found."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_on_again_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_on_again_after_an_error() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_nested_blocks_keep_it_paused_until_the_outer_one_ends() -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_nothing_is_left_frozen() -> None:
    before = gc.get_freeze_count()
    with collector_paused():
        pass
    assert gc.get_freeze_count() == before


def test_overlapping_blocks_in_threads_end_with_it_on() -> None:
    """Blocks in many threads overlap in every order; the last one out switches it back on."""
    started = threading.Barrier(8)
    seen: list[bool] = []

    def work() -> None:
        started.wait()
        for _ in range(200):
            with collector_paused():
                seen.append(gc.isenabled())

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen and not any(seen)
    assert gc.isenabled()
