"""Pick waves: orders grouped by the van that carries them, released as late as is safe.

Orders leaving on the same departure form a wave (split when it grows past a cart's
worth of lines). A warehouse picks one wave at a time at ``pick_capacity_per_hour`` lines
an hour, so waves are scheduled backwards from the last departure: each finishes a
packing buffer before its van leaves, or before the next wave must start, whichever is
earlier, and is released exactly its pick time before that. Releasing later would miss
the van; releasing earlier would tie up pickers and stock for orders not yet leaving.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from lastmile.domain import InvalidValue, Warehouse


@dataclass(frozen=True, slots=True)
class WaveLine:
    """A line to pick for one order."""

    order_id: str
    sku_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class WaveOrder:
    """A sourced order's lines at one warehouse, and when the van carrying it leaves."""

    order_id: str
    lines: tuple[WaveLine, ...]
    departure: datetime


@dataclass(frozen=True)
class Wave:
    """A batch of orders picked together before one departure.

    ``release_at`` is the latest start that still meets ``departure``; when that moment
    has passed at planning time, ``expected_done`` says when picking will really finish
    and ``late`` whether the van must wait.
    """

    wave_id: str
    warehouse_id: str
    departure: datetime
    release_at: datetime
    due: datetime
    expected_done: datetime
    order_ids: tuple[str, ...]
    lines: tuple[WaveLine, ...]

    @property
    def late(self) -> bool:
        return self.expected_done > self.due

    @property
    def pick_time(self) -> timedelta:
        return self.expected_done - self.release_at


def _chunks(orders: list[WaveOrder], max_lines: int) -> list[list[WaveOrder]]:
    out: list[list[WaveOrder]] = [[]]
    count = 0
    for o in orders:
        if out[-1] and count + len(o.lines) > max_lines:
            out.append([])
            count = 0
        out[-1].append(o)
        count += len(o.lines)
    return out


def plan_waves(
    warehouse: Warehouse,
    orders: Sequence[WaveOrder],
    *,
    now: datetime,
    pack_buffer: timedelta = timedelta(minutes=30),
    max_lines_per_wave: int = 120,
) -> list[Wave]:
    """Group a warehouse's orders into waves and time each wave's release.

    Parameters
    ----------
    warehouse
        Where the waves are picked; its ``pick_capacity_per_hour`` counts lines.
    orders
        Sourced orders at this warehouse with the departure of their route.
    now
        Planning time: no wave is released before it.
    pack_buffer
        Packing and loading time between the end of picking and the departure.
    max_lines_per_wave
        A cart's worth of lines; larger groups become several waves.

    Returns
    -------
    list[Wave]
        Waves in release order.
    """
    if max_lines_per_wave < 1:
        raise InvalidValue("max_lines_per_wave", "must be >= 1")
    per_line = timedelta(hours=1) / warehouse.pick_capacity_per_hour
    groups: dict[datetime, list[WaveOrder]] = defaultdict(list)
    for o in orders:
        groups[o.departure].append(o)
    batches = [
        (dep, chunk)
        for dep in sorted(groups)
        for chunk in _chunks(sorted(groups[dep], key=lambda o: o.order_id), max_lines_per_wave)
    ]

    # Backwards from the last departure: the pickers are one resource.
    timed: list[tuple[datetime, datetime, datetime, list[WaveOrder]]] = []
    next_start: datetime | None = None
    for dep, chunk in reversed(batches):
        due = dep - pack_buffer
        finish = due if next_start is None else min(due, next_start)
        start = finish - per_line * sum(len(o.lines) for o in chunk)
        timed.append((start, dep, due, chunk))
        next_start = start
    timed.reverse()

    # Forwards from now: what really happens when a release moment has already passed.
    waves: list[Wave] = []
    free_at = now
    for n, (start, dep, due, chunk) in enumerate(timed):
        duration = per_line * sum(len(o.lines) for o in chunk)
        begin = max(start, free_at)
        free_at = begin + duration
        waves.append(
            Wave(
                wave_id=f"{warehouse.warehouse_id}-W{n + 1:03d}",
                warehouse_id=warehouse.warehouse_id,
                departure=dep,
                release_at=begin,
                due=due,
                expected_done=free_at,
                order_ids=tuple(o.order_id for o in chunk),
                lines=tuple(line for o in chunk for line in o.lines),
            )
        )
    return waves
