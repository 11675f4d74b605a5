"""Cartonization and consolidation for the simulated day, on the fulfillment capability.

Consolidation is ``lastmile.fulfillment.consolidation``: orders to one address (unit
included), from one warehouse, with one option and, for slots, one window become a single
shipment; switched off, every order is its own shipment per warehouse. Each shipment's
units are packed by ``lastmile.fulfillment.cartonization``'s 3D packer; a unit no box of
the standard catalogue holds travels in its own oversize carton.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from lastmile.domain import Order, Parcel, ParcelItem, Shipment, Sku
from lastmile.fulfillment.cartonization import BoxCatalogue, PackUnit, fits_alone, pack
from lastmile.fulfillment.consolidation import ShipmentKey
from lastmile.fulfillment.consolidation import consolidate as consolidate_orders


@dataclass(frozen=True, slots=True)
class Pick:
    """Units of one SKU for one order, taken from one warehouse."""

    order_id: str
    sku_id: str
    quantity: int
    warehouse_id: str


def cartonize(picks: Sequence[Pick], skus: Mapping[str, Sku], prefix: str) -> list[Parcel]:
    """Pack the picked units with the fulfillment capability's 3D packer.

    Units no box of the standard catalogue holds ship in their own oversize carton,
    10 % bigger than the item.
    """
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
    now: datetime,
    tz: tzinfo,
    delivery_date: str,
    enabled: bool = True,
    batch: str = "",
) -> list[Shipment]:
    """Group picks into shipments with the fulfillment capability, then pack each one.

    Parameters
    ----------
    orders, picks
        The orders shipping in this wave and the units picked for them.
    skus
        The catalogue, for the packer.
    now, tz
        When the wave is planned and where its days are read.
    delivery_date
        The simulated day: every shipment of a wave is delivered on it.
    enabled
        Consolidation on (the capability's rule) or off (one shipment per order and
        warehouse).
    batch
        Suffix that keeps shipment ids unique across the day's waves.
    """
    by_order = {o.order_id: o for o in orders}
    lines: dict[tuple[str, str], list[ParcelItem]] = defaultdict(list)
    for p in picks:
        lines[(p.order_id, p.warehouse_id)].append(ParcelItem(p.sku_id, p.quantity, p.order_id))
    entries = [(by_order[oid], wh, items) for (oid, wh), items in lines.items()]
    counter = itertools.count()

    def name(key: ShipmentKey, _rank: int) -> str:
        # One counter across calls, so ids stay unique when consolidation is off.
        return f"SHP-{delivery_date}{batch}-{key.warehouse_id}-{next(counter):05d}"

    batches = [entries] if enabled else [[e] for e in entries]
    shipments: list[Shipment] = []
    for group in batches:
        result = consolidate_orders(group, now=now, tz=tz, new_id=name)
        for planned in result.shipments:
            s = planned.shipment
            packed = [Pick(i.order_id, i.sku_id, i.quantity, s.warehouse_id) for i in planned.items]
            # The capability dates next-day orders tomorrow; the simulated day ships
            # every order it has sourced for this wave, so the shipment is dated today.
            shipments.append(
                replace(
                    s,
                    order_ids=sorted(set(s.order_ids)),
                    delivery_date=delivery_date,
                    parcels=cartonize(packed, skus, s.shipment_id),
                )
            )
    return shipments
