"""A server process freezes what it built at start."""

from __future__ import annotations

import gc


def tracked(thing: object) -> bool:
    """Whether the collector's generations (not the frozen heap) hold ``thing``."""
    return any(o is thing for o in gc.get_objects())


def test_the_startup_heap_is_frozen_and_later_objects_are_not() -> None:
    from lastmile.api.heap import freeze_startup_heap

    built_at_start = {"routes": []}
    try:
        frozen = freeze_startup_heap()
        built_later = {"request": []}
        assert frozen > 10_000  # counted again below, less any frozen object freed since
        assert gc.get_freeze_count() > 10_000
        assert not tracked(built_at_start)
        assert tracked(built_later)
    finally:
        gc.unfreeze()
    assert tracked(built_at_start)
