"""Use case: source waiting orders, reserve their stock, and plan their shipments.

One transaction takes every validated (and backordered) order, chooses warehouses for the
whole batch at once, reserves the stock through the ledger, moves each order to
``sourced`` or ``backordered`` (emitting the event), merges orders into shipments and
plans their cartons. Either all of it is stored or none of it.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lastmile.domain import (
    NotFound,
    Order,
    OrderStatus,
    Parcel,
    ParcelItem,
    Sku,
    StockLevel,
)
from lastmile.fulfillment.cartonization import (
    BoxCatalogue,
    Carton,
    ItemTooLarge,
    PackUnit,
    fits_alone,
    pack,
)
from lastmile.fulfillment.consolidation import ConsolidationResult, consolidate
from lastmile.fulfillment.sourcing import source_batch
from lastmile.fulfillment.sourcing_arrays import StockTable
from lastmile.fulfillment.sourcing_model import (
    Outcome,
    SourcingPolicy,
    SourcingResult,
)
from lastmile.geo.travel import TravelTimeSource
from lastmile.services.unit_of_work import UnitOfWork, retry_on_conflict

__all__ = ["SourcingReport", "parcels_for", "source_orders"]

SOURCEABLE = (OrderStatus.VALIDATED, OrderStatus.BACKORDERED)
# Box code of a unit too large for every box: it ships in its own packaging.
OWN_PACKAGING = "OWN"


@dataclass(frozen=True)
class SourcingReport:
    """What one sourcing run decided and stored."""

    result: SourcingResult | None
    consolidation: ConsolidationResult | None
    parcels: int
    unpackable: tuple[str, ...]
    skipped: tuple[str, ...]

    @property
    def orders(self) -> int:
        return self.result.stats.orders if self.result else 0


def _units(items: Sequence[ParcelItem], skus: dict[str, Sku]) -> list[PackUnit]:
    return [PackUnit.of(skus[i.sku_id], i.order_id) for i in items for _ in range(i.quantity)]


def _parcel(shipment_id: str, n: int, carton: Carton) -> Parcel:
    counts = Counter((p.unit.order_id, p.unit.sku_id) for p in carton.placements)
    return Parcel(
        parcel_id=f"{shipment_id}-P{n}",
        box_code=carton.box.code,
        items=tuple(ParcelItem(sku, q, order) for (order, sku), q in sorted(counts.items())),
        weight_kg=round(carton.weight_kg, 3),
        volume_l=round(carton.box.volume_cm3 / 1000.0, 3),
        value=round(sum(p.unit.value for p in carton.placements), 2),
    )


def parcels_for(
    shipment_id: str, items: Sequence[ParcelItem], skus: dict[str, Sku], catalogue: BoxCatalogue
) -> tuple[list[Parcel], list[str]]:
    """Pack a shipment's items into parcels.

    A unit no box of the catalogue takes ships in its own packaging as a parcel of its
    own (box code ``OWN``); the second list names each such unit with the reason.
    """
    units = _units(items, skus)
    boxable, own, problems = [], [], []
    fits: dict[str, bool] = {}
    for unit in units:
        if unit.sku_id not in fits:
            fits[unit.sku_id] = any(fits_alone(unit, box) for box in catalogue.boxes)
        if fits[unit.sku_id]:
            boxable.append(unit)
            continue
        try:
            pack([unit], catalogue)
        except ItemTooLarge as error:
            own.append(unit)
            problems.append(f"{shipment_id}: {error}; ships in its own packaging")
    cartons = pack(boxable, catalogue) if boxable else []
    parcels = [_parcel(shipment_id, n + 1, c) for n, c in enumerate(cartons)]
    for unit in own:
        parcels.append(
            Parcel(
                parcel_id=f"{shipment_id}-P{len(parcels) + 1}",
                box_code=OWN_PACKAGING,
                items=(ParcelItem(unit.sku_id, 1, unit.order_id),),
                weight_kg=unit.weight_kg,
                volume_l=round(unit.volume_cm3 / 1000.0, 3),
                value=unit.value,
            )
        )
    return parcels, problems


def _load_orders(uow: UnitOfWork, order_ids: Sequence[str] | None) -> list[Order]:
    if order_ids is None:
        return [o for status in SOURCEABLE for o in uow.orders.list(status=status)]
    found = []
    for oid in order_ids:
        order = uow.orders.get(oid)
        if order is None:
            raise NotFound("order", oid)
        found.append(order)
    return found


def _levels(uow: UnitOfWork, sku_ids: Sequence[str]) -> list[StockLevel]:
    # Chunked to stay under the bound-parameter limit of SQLite.
    return [
        lv
        for i in range(0, len(sku_ids), 500)
        for lv in uow.stock.list(sku_ids=list(sku_ids[i : i + 500]))
    ]


def source_orders(
    *,
    uow: UnitOfWork,
    travel: TravelTimeSource,
    now: datetime,
    policy: SourcingPolicy | None = None,
    catalogue: BoxCatalogue | None = None,
    order_ids: Sequence[str] | None = None,
) -> SourcingReport:
    """Source orders, reserve their stock and store their shipments, in one transaction.

    Parameters
    ----------
    uow
        The unit of work; committed once at the end, retried on a concurrent change.
    travel
        Prices warehouse-to-customer legs.
    now
        When the batch runs: cut-offs, event times and delivery days follow from it.
    policy
        The sourcing policy (costs, splits, strategy).
    catalogue
        Boxes to plan cartons with; the standard range when omitted.
    order_ids
        Orders to source; every validated or backordered order when omitted. Orders in
        another status are skipped and named in the report.

    Returns
    -------
    SourcingReport
        The decisions, shipments and parcels planned, and any shipment that no box fits.
    """
    policy = policy or SourcingPolicy()
    catalogue = catalogue or BoxCatalogue.standard()

    def attempt() -> SourcingReport:
        with uow:
            loaded = _load_orders(uow, order_ids)
            orders = [o for o in loaded if o.status in SOURCEABLE]
            skipped = tuple(o.order_id for o in loaded if o.status not in SOURCEABLE)
            if not orders:
                return SourcingReport(None, None, 0, (), skipped)
            warehouses = uow.warehouses.list()
            wanted = sorted({line.sku_id for o in orders for line in o.lines})
            # One query for the catalogue beats one per SKU on a batch of thousands.
            skus = {s.sku_id: s for s in uow.skus.list()}
            known = [s for s in wanted if s in skus]
            levels = {(lv.sku_id, lv.warehouse_id): lv for lv in _levels(uow, known)}
            stock = StockTable.from_levels(
                [w.warehouse_id for w in warehouses], known, levels.values()
            )
            result = source_batch(orders, warehouses, stock, travel, now=now, policy=policy)

            by_id = {o.order_id: o for o in orders}
            parts: list[tuple[Order, str, list[ParcelItem]]] = []
            for d in result.decisions:
                order = by_id[d.order_id]
                if d.outcome is Outcome.BACKORDERED:
                    if order.status is OrderStatus.BACKORDERED:
                        order.status_reason = d.reason
                    else:
                        order.transition(OrderStatus.BACKORDERED, reason=d.reason, at=now)
                    continue
                per_wh: dict[str, list[ParcelItem]] = defaultdict(list)
                for a in d.allocations:
                    levels[a.sku_id, a.warehouse_id].reserve(
                        a.quantity, reference=order.order_id, at=now
                    )
                    per_wh[a.warehouse_id].append(ParcelItem(a.sku_id, a.quantity, order.order_id))
                order.transition(
                    OrderStatus.SOURCED, reason=f"ships from {', '.join(d.warehouse_ids)}", at=now
                )
                parts.extend((order, wh, items) for wh, items in per_wh.items())

            batch = uuid.uuid4().hex[:8]
            merged = consolidate(
                parts,
                now=now,
                tz=policy.timezone,
                new_id=lambda k, n: f"SHP-{k.day:%Y%m%d}-{batch}-{n:05d}",
            )
            unpackable: list[str] = []
            n_parcels = 0
            for planned in merged.shipments:
                shipment = planned.shipment
                shipment.parcels, problems = parcels_for(
                    shipment.shipment_id, planned.items, skus, catalogue
                )
                unpackable.extend(problems)
                n_parcels += len(shipment.parcels)
                uow.shipments.add(shipment)
            uow.commit()
            return SourcingReport(result, merged, n_parcels, tuple(unpackable), skipped)

    return retry_on_conflict(attempt)
