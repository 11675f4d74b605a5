"""Cartonization and consolidation as the simulator runs them.

Consolidation groups the orders going from one warehouse to one building in one delivery
window into a single shipment (one stop); switched off, every order is its own shipment.
Each shipment's units are packed first-fit-decreasing by volume into standard boxes; an
item too big for the largest box travels in its own carton.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lastmile.domain import Order, Parcel, ParcelItem, Shipment, Sku, TimeWindow

# Standard e-commerce boxes: code -> (sorted inner dimensions cm, max kg).
BOXES: tuple[tuple[str, tuple[float, float, float], float], ...] = (
    ("S", (30.0, 22.0, 10.0), 10.0),
    ("M", (40.0, 30.0, 20.0), 20.0),
    ("L", (60.0, 40.0, 40.0), 25.0),
    ("XL", (80.0, 60.0, 50.0), 30.0),
)
# Items never fill a box completely: leave room for padding.
_FILL = 0.8


@dataclass(frozen=True, slots=True)
class Pick:
    """Units of one SKU for one order, taken from one warehouse."""

    order_id: str
    sku_id: str
    quantity: int
    warehouse_id: str


def _fits(dims: tuple[float, float, float], box: tuple[float, float, float]) -> bool:
    return all(d <= b for d, b in zip(sorted(dims, reverse=True), box, strict=True))


@dataclass
class _OpenBox:
    code: str
    inner: tuple[float, float, float]
    capacity_l: float
    max_kg: float
    volume_l: float = 0.0
    weight_kg: float = 0.0
    items: list[tuple[Sku, str]] = field(default_factory=list)

    def takes(self, dims: tuple[float, float, float], volume: float, weight: float) -> bool:
        return (
            _fits(dims, self.inner)
            and self.volume_l + volume <= self.capacity_l * _FILL
            and self.weight_kg + weight <= self.max_kg
        )

    def add(self, sku: Sku, order_id: str) -> None:
        self.volume_l += sku.volume_l
        self.weight_kg += sku.weight_kg
        self.items.append((sku, order_id))


def cartonize(picks: Sequence[Pick], skus: Mapping[str, Sku], prefix: str) -> list[Parcel]:
    """Pack the picked units with the fulfillment capability's 3D packer.

    Units no box of the standard catalogue holds ship in their own oversize carton. Falls
    back to the simulator's first-fit decreasing when the capability is not installed.
    """
    try:
        from lastmile.fulfillment.cartonization import BoxCatalogue, PackUnit, fits_alone, pack
    except ImportError:
        return first_fit_decreasing(picks, skus, prefix)
    catalogue = BoxCatalogue.standard()
    units = [PackUnit.of(skus[p.sku_id], p.order_id) for p in picks for _ in range(p.quantity)]
    fitting = [u for u in units if any(fits_alone(u, b) for b in catalogue.boxes)]
    parcels: list[Parcel] = []
    for k, carton in enumerate(pack(fitting, catalogue)):
        items = [(skus[pl.unit.sku_id], pl.unit.order_id) for pl in carton.placements]
        parcels.append(
            _parcel(f"{prefix}-{k + 1}", carton.box.code, items, carton.box.volume_cm3 / 1000.0)
        )
    for k, u in enumerate(x for x in units if not any(fits_alone(x, b) for b in catalogue.boxes)):
        sku = skus[u.sku_id]
        parcels.append(
            _parcel(f"{prefix}-X{k + 1}", "OVERSIZE", [(sku, u.order_id)], sku.volume_l * 1.1)
        )
    return parcels


def first_fit_decreasing(
    picks: Sequence[Pick],
    skus: Mapping[str, Sku],
    prefix: str,
) -> list[Parcel]:
    """Pack the picked units into as few standard boxes as first-fit decreasing finds."""
    units = [(skus[p.sku_id], p.order_id) for p in picks for _ in range(p.quantity)]
    units.sort(key=lambda u: (-u[0].volume_l, u[0].sku_id, u[1]))
    boxes: list[_OpenBox] = []
    parcels: list[Parcel] = []
    for sku, order_id in units:
        dims = sku.dimensions.sorted()
        box = next((b for b in boxes if b.takes(dims, sku.volume_l, sku.weight_kg)), None)
        if box is None:
            choice = next(
                (
                    b
                    for b in BOXES
                    if _fits(dims, b[1])
                    and sku.weight_kg <= b[2]
                    and sku.volume_l <= b[1][0] * b[1][1] * b[1][2] / 1000 * _FILL
                ),
                None,
            )
            if choice is None:
                # Oversize: ships in its own carton, 10 % bigger than the item.
                parcels.append(
                    _parcel(
                        f"{prefix}-X{len(parcels) + 1}",
                        "OVERSIZE",
                        [(sku, order_id)],
                        sku.volume_l * 1.1,
                    )
                )
                continue
            code, inner, max_kg = choice
            box = _OpenBox(code, inner, inner[0] * inner[1] * inner[2] / 1000, max_kg)
            boxes.append(box)
        box.add(sku, order_id)
    for k, b in enumerate(boxes):
        parcels.append(_parcel(f"{prefix}-{k + 1}", b.code, b.items, b.capacity_l))
    return parcels


def _parcel(parcel_id: str, code: str, items: list[tuple[Sku, str]], volume_l: float) -> Parcel:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for sku, order_id in items:
        counts[(sku.sku_id, order_id)] += 1
    weight = sum(sku.weight_kg for sku, _ in items) + 0.2  # box and padding
    value = sum(sku.unit_value for sku, _ in items)
    return Parcel(
        parcel_id,
        code,
        tuple(ParcelItem(s, q, o) for (s, o), q in sorted(counts.items())),
        round(weight, 3),
        round(volume_l, 2),
        round(value, 2),
    )


def consolidate(
    orders: Sequence[Order],
    picks: Sequence[Pick],
    skus: Mapping[str, Sku],
    *,
    delivery_date: str,
    enabled: bool = True,
    batch: str = "",
) -> list[Shipment]:
    """Group picks into shipments (one per warehouse, building and window when enabled)."""
    by_order = {o.order_id: o for o in orders}
    groups: dict[tuple[str, ...], list[Pick]] = defaultdict(list)
    for pick in picks:
        order = by_order[pick.order_id]
        if enabled:
            key: tuple[str, ...] = (
                pick.warehouse_id,
                order.address.building_key(),
                _window_key(order.window),
            )
        else:
            key = (pick.warehouse_id, pick.order_id)
        groups[key].append(pick)
    shipments: list[Shipment] = []
    for n, (key, group) in enumerate(sorted(groups.items())):
        order_ids = sorted({p.order_id for p in group})
        first = by_order[order_ids[0]]
        shipment_id = f"SHP-{delivery_date}{batch}-{key[0]}-{n:05d}"
        shipments.append(
            Shipment(
                shipment_id=shipment_id,
                warehouse_id=key[0],
                address=first.address,
                order_ids=order_ids,
                option=first.option,
                delivery_date=delivery_date,
                window=first.window,
                parcels=cartonize(group, skus, shipment_id),
            )
        )
    return shipments


def _window_key(window: TimeWindow | None) -> str:
    return "" if window is None else f"{window.start.isoformat()}/{window.end.isoformat()}"
