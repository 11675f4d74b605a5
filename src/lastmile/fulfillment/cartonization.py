"""Cartonization: pack a shipment's units into the fewest cartons of a box catalogue.

Units go in largest first at *extreme points* (the corners that placed units leave free),
trying all six axis-aligned rotations; a carton is closed when nothing more fits and
then shrunk to the smallest box that still takes its contents. Every carton can be
re-checked with ``verify``: inside the box, no two units overlapping, under its weight.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from lastmile.domain import DomainError, InvalidValue, Sku

# Tolerance for touching faces: float sums of sides must not read as overlap.
EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Box:
    """A carton type: inner size in centimetres and the weight it may carry."""

    code: str
    length_cm: float
    width_cm: float
    height_cm: float
    max_weight_kg: float

    def __post_init__(self) -> None:
        if not self.code.strip():
            raise InvalidValue("code", "is empty")
        for name in ("length_cm", "width_cm", "height_cm", "max_weight_kg"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidValue(name, f"{value} <= 0 not understood.")

    @property
    def volume_cm3(self) -> float:
        return self.length_cm * self.width_cm * self.height_cm

    @property
    def dims(self) -> tuple[float, float, float]:
        return self.length_cm, self.width_cm, self.height_cm

    def describe(self) -> str:
        return (
            f"{self.code} {self.length_cm:g}x{self.width_cm:g}x{self.height_cm:g} cm "
            f"<= {self.max_weight_kg:g} kg"
        )


@dataclass(frozen=True)
class BoxCatalogue:
    """The boxes a warehouse packs into, kept smallest first."""

    name: str
    boxes: tuple[Box, ...]

    def __post_init__(self) -> None:
        if not self.boxes:
            raise InvalidValue("boxes", f"catalogue {self.name!r} has no box")
        codes = [b.code for b in self.boxes]
        if len(set(codes)) != len(codes):
            raise InvalidValue("boxes", f"catalogue {self.name!r} repeats a box code")
        object.__setattr__(self, "boxes", tuple(sorted(self.boxes, key=lambda b: b.volume_cm3)))

    @classmethod
    def standard(cls) -> BoxCatalogue:
        """Return a typical parcel-carrier range of shipping boxes."""
        return cls(
            "standard",
            (
                Box("XS", 22, 16, 8, 2.0),
                Box("S", 30, 22, 12, 5.0),
                Box("M", 40, 30, 20, 10.0),
                Box("L", 50, 40, 30, 20.0),
                Box("XL", 60, 50, 40, 25.0),
                Box("XXL", 100, 60, 60, 30.0),
            ),
        )

    def describe(self) -> str:
        return f"{self.name!r} ({'; '.join(b.describe() for b in self.boxes)})"


class ItemTooLarge(DomainError):
    """A unit that fits no box of the catalogue, in any rotation or by weight."""

    def __init__(self, sku_id: str, size: str, catalogue: BoxCatalogue) -> None:
        super().__init__(f"sku {sku_id!r} ({size}) fits no box of catalogue {catalogue.describe()}")
        self.sku_id = sku_id
        self.catalogue = catalogue.name


@dataclass(frozen=True, slots=True)
class PackUnit:
    """One physical unit to pack, and the order it belongs to."""

    sku_id: str
    order_id: str
    dims: tuple[float, float, float]
    weight_kg: float
    value: float = 0.0

    @property
    def volume_cm3(self) -> float:
        return self.dims[0] * self.dims[1] * self.dims[2]

    @classmethod
    def of(cls, sku: Sku, order_id: str) -> PackUnit:
        d = sku.dimensions
        return cls(
            sku.sku_id,
            order_id,
            (d.length_cm, d.width_cm, d.height_cm),
            sku.weight_kg,
            sku.unit_value,
        )


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a unit sits in its carton: the corner nearest the origin and its rotated size."""

    unit: PackUnit
    x: float
    y: float
    z: float
    dx: float
    dy: float
    dz: float


@dataclass(frozen=True)
class Carton:
    """One packed box."""

    box: Box
    placements: tuple[Placement, ...]

    @property
    def weight_kg(self) -> float:
        return sum(p.unit.weight_kg for p in self.placements)

    @property
    def item_volume_cm3(self) -> float:
        return sum(p.unit.volume_cm3 for p in self.placements)

    @property
    def fill_rate(self) -> float:
        return self.item_volume_cm3 / self.box.volume_cm3


def _rotations(dims: tuple[float, float, float]) -> list[tuple[float, float, float]]:
    a, b, c = dims
    return list(dict.fromkeys([(a, b, c), (a, c, b), (b, a, c), (b, c, a), (c, a, b), (c, b, a)]))


def fits_alone(unit: PackUnit, box: Box) -> bool:
    """Tell whether one unit fits the empty box in some rotation and by weight."""
    a = sorted(unit.dims, reverse=True)
    b = sorted(box.dims, reverse=True)
    return all(u <= v + EPS for u, v in zip(a, b, strict=True)) and (
        unit.weight_kg <= box.max_weight_kg + EPS
    )


def _overlaps(
    x: float, y: float, z: float, d: tuple[float, float, float], placed: Sequence[Placement]
) -> bool:
    x2, y2, z2 = x + d[0], y + d[1], z + d[2]
    for p in placed:
        if (
            x < p.x + p.dx - EPS
            and p.x < x2 - EPS
            and y < p.y + p.dy - EPS
            and p.y < y2 - EPS
            and z < p.z + p.dz - EPS
            and p.z < z2 - EPS
        ):
            return True
    return False


def fill_box(box: Box, units: Sequence[PackUnit]) -> tuple[list[Placement], list[PackUnit]]:
    """Place as many of ``units`` (in the order given) as fit; return placed and left over.

    Each unit takes the lowest, then deepest, then leftmost extreme point where some
    rotation fits; placing it adds the three points at its far corners.
    """
    points: list[tuple[float, float, float]] = [(0.0, 0.0, 0.0)]
    placed: list[Placement] = []
    left: list[PackUnit] = []
    weight = 0.0
    big_l, big_w, big_h = box.dims
    for unit in units:
        if weight + unit.weight_kg > box.max_weight_kg + EPS:
            left.append(unit)
            continue
        spot = None
        for x, y, z in sorted(points, key=lambda p: (p[2], p[1], p[0])):
            for d in _rotations(unit.dims):
                if (
                    x + d[0] <= big_l + EPS
                    and y + d[1] <= big_w + EPS
                    and z + d[2] <= big_h + EPS
                    and not _overlaps(x, y, z, d, placed)
                ):
                    spot = Placement(unit, x, y, z, *d)
                    break
            if spot:
                break
        if spot is None:
            left.append(unit)
            continue
        placed.append(spot)
        weight += unit.weight_kg
        points.remove((spot.x, spot.y, spot.z))
        points.extend(
            [
                (spot.x + spot.dx, spot.y, spot.z),
                (spot.x, spot.y + spot.dy, spot.z),
                (spot.x, spot.y, spot.z + spot.dz),
            ]
        )
        points = [p for p in points if not _inside_any(p, placed)]
    return placed, left


def _inside_any(p: tuple[float, float, float], placed: Sequence[Placement]) -> bool:
    return any(
        q.x - EPS < p[0] < q.x + q.dx - EPS
        and q.y - EPS < p[1] < q.y + q.dy - EPS
        and q.z - EPS < p[2] < q.z + q.dz - EPS
        for q in placed
    )


def _size(unit: PackUnit) -> str:
    return f"{unit.dims[0]:g}x{unit.dims[1]:g}x{unit.dims[2]:g} cm, {unit.weight_kg:g} kg"


def pack(units: Sequence[PackUnit], catalogue: BoxCatalogue) -> list[Carton]:
    """Pack units into the fewest cartons this heuristic finds.

    Parameters
    ----------
    units
        Every unit of the shipment (a line of quantity 3 is three units).
    catalogue
        The boxes available.

    Returns
    -------
    list[Carton]
        Cartons whose placements pass ``verify``.

    Raises
    ------
    ItemTooLarge
        When a unit fits no box of the catalogue; names the SKU and the catalogue.
    """
    # The smallest box each distinct unit fits alone; units of one SKU are checked once.
    smallest: dict[tuple[tuple[float, float, float], float], Box | None] = {}
    for unit in units:
        key = (unit.dims, unit.weight_kg)
        if key not in smallest:
            smallest[key] = next((b for b in catalogue.boxes if fits_alone(unit, b)), None)
        if smallest[key] is None:
            raise ItemTooLarge(unit.sku_id, _size(unit), catalogue)
    if len(units) == 1:
        box = smallest[units[0].dims, units[0].weight_kg]
        assert box is not None
        placed, _ = fill_box(box, units)
        return [Carton(box, tuple(placed))]
    remaining = sorted(units, key=lambda u: (u.volume_cm3, max(u.dims)), reverse=True)
    cartons: list[Carton] = []
    while remaining:
        volume = sum(u.volume_cm3 for u in remaining)
        weight = sum(u.weight_kg for u in remaining)
        closed = None
        for box in catalogue.boxes:
            if box.volume_cm3 + EPS < volume or box.max_weight_kg + EPS < weight:
                continue
            placed, left = fill_box(box, remaining)
            if not left:
                closed, remaining = Carton(box, tuple(placed)), []
                break
        if closed is None:
            # Nothing takes all: fill the box that swallows the most volume, then go on.
            best: tuple[float, Box, list[Placement], list[PackUnit]] | None = None
            for box in catalogue.boxes:
                placed, left = fill_box(box, remaining)
                packed = sum(p.unit.volume_cm3 for p in placed)
                if placed and (best is None or packed > best[0] + EPS):
                    best = (packed, box, placed, left)
            if best is None:
                raise AssertionError("no box took the largest unit although it fits alone")
            closed, remaining = _shrink(Carton(best[1], tuple(best[2])), catalogue), best[3]
        cartons.append(closed)
    return cartons


def _shrink(carton: Carton, catalogue: BoxCatalogue) -> Carton:
    units = [p.unit for p in carton.placements]
    for box in catalogue.boxes:
        if box.volume_cm3 >= carton.box.volume_cm3:
            break
        if box.volume_cm3 + EPS < carton.item_volume_cm3:
            continue
        placed, left = fill_box(box, units)
        if not left:
            return Carton(box, tuple(placed))
    return carton


def verify(carton: Carton) -> list[str]:
    """Return every way the carton breaks its box's limits (empty when it is sound)."""
    problems = []
    box = carton.box
    if carton.weight_kg > box.max_weight_kg + EPS:
        problems.append(f"weight {carton.weight_kg:g} kg over {box.max_weight_kg:g} kg")
    for i, p in enumerate(carton.placements):
        if sorted((p.dx, p.dy, p.dz)) != sorted(p.unit.dims):
            problems.append(f"unit {i} ({p.unit.sku_id}) placed with a size it does not have")
        if min(p.x, p.y, p.z) < -EPS or (
            p.x + p.dx > box.length_cm + EPS
            or p.y + p.dy > box.width_cm + EPS
            or p.z + p.dz > box.height_cm + EPS
        ):
            problems.append(f"unit {i} ({p.unit.sku_id}) sticks out of box {box.code}")
        if _overlaps(p.x, p.y, p.z, (p.dx, p.dy, p.dz), carton.placements[i + 1 :]):
            problems.append(f"unit {i} ({p.unit.sku_id}) overlaps another unit")
    return problems


def lower_bound(units: Sequence[PackUnit], catalogue: BoxCatalogue) -> int:
    """Return a bound no packing can beat: by volume and by weight of the largest box."""
    if not units:
        return 0
    volume = sum(u.volume_cm3 for u in units) / max(b.volume_cm3 for b in catalogue.boxes)
    weight = sum(u.weight_kg for u in units) / max(b.max_weight_kg for b in catalogue.boxes)
    return max(1, math.ceil(volume - 1e-9), math.ceil(weight - 1e-9))
