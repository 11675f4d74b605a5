"""Warehouse bin layouts: parallel aisles between a front and a back cross-aisle.

Each aisle has racks on both sides, divided into bays along the aisle and levels upwards.
The picker walks the aisles and the two cross-aisles; the depot (where carts start and
are dropped) sits at the front of the first aisle. Levels change what a picker reaches
for, not how far they walk.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from lastmile.domain import InvalidValue


@dataclass(frozen=True, slots=True, order=True)
class BinLocation:
    """A storage bin: aisle, bay along the aisle, level up, and rack side (0 left, 1 right)."""

    aisle: int
    bay: int
    level: int
    side: int = 0

    @property
    def label(self) -> str:
        return f"A{self.aisle + 1:02d}-B{self.bay + 1:02d}-L{self.level + 1}-{'LR'[self.side]}"


@dataclass(frozen=True)
class Layout:
    """One warehouse's single-block layout.

    ``aisle_spacing_m`` is the distance between neighbouring aisle centre lines;
    ``cross_aisle_m`` the walk from an aisle end to a cross-aisle's centre line.
    """

    warehouse_id: str
    aisles: int
    bays_per_aisle: int
    levels: int
    bay_width_m: float = 1.3
    aisle_spacing_m: float = 3.2
    cross_aisle_m: float = 1.5

    def __post_init__(self) -> None:
        for name in ("aisles", "bays_per_aisle", "levels"):
            if getattr(self, name) < 1:
                raise InvalidValue(name, f"{getattr(self, name)} < 1 not understood.")
        for name in ("bay_width_m", "aisle_spacing_m", "cross_aisle_m"):
            if getattr(self, name) <= 0:
                raise InvalidValue(name, f"{getattr(self, name)} <= 0 not understood.")

    @property
    def capacity(self) -> int:
        return self.aisles * self.bays_per_aisle * self.levels * 2

    @property
    def aisle_length_m(self) -> float:
        """Return the walk from front to back cross-aisle centre lines along one aisle."""
        return self.bays_per_aisle * self.bay_width_m + 2 * self.cross_aisle_m

    def position(self, loc: BinLocation) -> tuple[float, float]:
        """Return ``(x, y)``: which aisle line, and how far along it from the front."""
        self.check(loc)
        return (
            loc.aisle * self.aisle_spacing_m,
            self.cross_aisle_m + (loc.bay + 0.5) * self.bay_width_m,
        )

    def check(self, loc: BinLocation) -> None:
        if not (
            0 <= loc.aisle < self.aisles
            and 0 <= loc.bay < self.bays_per_aisle
            and 0 <= loc.level < self.levels
            and loc.side in (0, 1)
        ):
            raise InvalidValue("bin", f"{loc.label} is not in the layout of {self.warehouse_id}")

    def bins_by_walk(self) -> list[BinLocation]:
        """Return every bin, nearest to the depot (walking) first."""
        bins = [
            BinLocation(a, b, lv, s)
            for a in range(self.aisles)
            for b in range(self.bays_per_aisle)
            for lv in range(self.levels)
            for s in (0, 1)
        ]
        # Waist-high levels first at equal distance: they are the quickest picks.
        return sorted(bins, key=lambda b: (sum(self.position(b)), abs(b.level - 1), b))

    @classmethod
    def sized_for(
        cls, warehouse_id: str, n_skus: int, *, levels: int = 4, bays_per_aisle: int = 20
    ) -> Layout:
        """Return the smallest layout of this shape with a bin for each of ``n_skus`` SKUs."""
        if n_skus < 1:
            raise InvalidValue("n_skus", "a layout needs at least one SKU")
        per_aisle = bays_per_aisle * levels * 2
        return cls(warehouse_id, max(1, math.ceil(n_skus / per_aisle)), bays_per_aisle, levels)


def slot(
    layout: Layout, sku_ids: Sequence[str], popularity: Mapping[str, float] | None = None
) -> dict[str, BinLocation]:
    """Give each SKU a bin; with ``popularity``, the most picked SKUs nearest the depot.

    Raises InvalidValue when the layout has fewer bins than SKUs.
    """
    if len(sku_ids) > layout.capacity:
        raise InvalidValue(
            "sku_ids",
            f"{len(sku_ids)} SKUs do not fit the {layout.capacity} bins of {layout.warehouse_id}",
        )
    order = list(sku_ids)
    if popularity is not None:
        order.sort(key=lambda s: -popularity.get(s, 0.0))
    return dict(zip(order, layout.bins_by_walk(), strict=False))


def positions(layout: Layout, bins: Sequence[BinLocation]) -> NDArray[np.float64]:
    """Return the ``(n, 2)`` positions of bins."""
    return np.array([layout.position(b) for b in bins], dtype=np.float64).reshape(-1, 2)


def walk_matrix(layout: Layout, points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return shortest walking distances between positions (row 0 may be the depot).

    Within one aisle the picker walks straight; between aisles they leave by the front
    or the back cross-aisle, whichever is shorter.
    """
    x, y = points[:, 0], points[:, 1]
    length = layout.aisle_length_m
    same = np.isclose(x[:, None], x[None, :])
    along = np.abs(y[:, None] - y[None, :])
    around = np.abs(x[:, None] - x[None, :]) + np.minimum(
        y[:, None] + y[None, :], 2 * length - y[:, None] - y[None, :]
    )
    out: NDArray[np.float64] = np.where(same, along, around)
    return out
