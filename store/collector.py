"""The cyclic garbage collector, paused for bulk work at the edges: store, API and command line.

Reading, importing or evaluating a large ledger builds hundreds of thousands of records that can
never form a reference cycle, yet the cyclic collector walks them again and again as they pile
up: about a third of a first run's evaluation (bench/README.md, "What made the difference").
The edges that do such bulk work wrap it in ``collector_paused()``; the engine never touches the
collector (its evaluation core changes no process-wide state), and nothing here freezes objects.

The collector is one switch for the whole process: overlapping blocks (two requests computing
lists in two threads, a read inside an evaluation) keep it paused until the last one ends, and
it is switched back on only if it was on when the first one began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block; restore it when the last block ends."""
    global _depth, _resume  # noqa: PLW0603 - the collector itself is process-wide state
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
