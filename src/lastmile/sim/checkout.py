"""The simulated checkout: every order asks the product's promise what it may have.

The promise use case (``lastmile.services.promise.PromiseDesk``) reads its snapshot from a
unit of work; here that is an in-memory one holding the day's warehouses, SKUs, live
stock levels and fleet. Each van's dispatch trips (one per wave) are routes with nothing
on them yet, so the promise offers what a trip leaving at that time can still reach. The
desk is asked at the moment each order was placed, on the simulated clock.

What the customer then gets: the option they asked for when it is offered; a slot the
promise cannot keep moves to the nearest slot it can; a same-day the promise refuses
becomes next-day (carried over, with the promise's reason); an order the promise can
offer nothing for is backordered with the promise's reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Self

from lastmile.domain import (
    DeliveryOption,
    Order,
    Route,
    Shift,
    Sku,
    StockLevel,
    TimeWindow,
    Vehicle,
    Warehouse,
)
from lastmile.promise import Cart, PromiseOption, PromisePolicy, PromiseResult, Unavailable
from lastmile.services.fakes import FakeStore, FakeUnitOfWork
from lastmile.services.promise import PromiseDesk

SAME, NEXT, SLOT = DeliveryOption.SAME_DAY, DeliveryOption.NEXT_DAY, DeliveryOption.SLOT


@dataclass(frozen=True)
class Trip:
    """One dispatch trip of the day: vans leave at ``start`` and are back by ``end``."""

    name: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Verdict:
    """What the checkout settled for one order.

    ``due`` is True when the order ships on the simulated day; otherwise ``reason`` says
    why not and ``backorder`` whether nothing at all could be promised.
    """

    due: bool
    reason: str = ""
    backorder: bool = False
    option: DeliveryOption | None = None
    window: TimeWindow | None = None
    moved: bool = False


class _ReadOnlyUnitOfWork(FakeUnitOfWork):
    """The in-memory unit of work without its per-transaction copy.

    The promise only reads, and copying a day's stock ledgers on every snapshot would
    cost more than all the quotes together.
    """

    def __enter__(self) -> Self:
        self._open(self.store)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def rollback(self) -> None:
        return None

    def commit(self) -> None:
        raise RuntimeError("the simulated checkout reads the day's state; it never writes")


def _trip_vehicle(v: Vehicle, trip: Trip) -> Vehicle:
    end = min(trip.end, v.shift.end)
    return replace(
        v,
        vehicle_id=f"{v.vehicle_id}/{trip.name}",
        shift=Shift(max(trip.start, v.shift.start), end),
    )


class Checkout:
    """The promise desk on the simulated day's network, stock and fleet.

    Parameters
    ----------
    day
        The simulated delivery day.
    warehouses, skus, vehicles
        The network, the catalogue and the fleet of the policy being replayed.
    levels
        The live stock levels by ``(sku_id, warehouse_id)``; read again on every rebuild.
    trips
        The day's dispatch trips.
    timezone
        The local time zone of the day.
    """

    def __init__(
        self,
        *,
        day: date,
        warehouses: Sequence[Warehouse],
        skus: Sequence[Sku],
        vehicles: Sequence[Vehicle],
        levels: dict[tuple[str, str], StockLevel],
        trips: Sequence[Trip],
        timezone: str,
    ) -> None:
        self.day = day
        self.weights = {s.sku_id: s.weight_kg for s in skus}
        store = FakeStore()
        store.warehouses = {w.warehouse_id: w for w in warehouses}
        store.skus = {s.sku_id: s for s in skus}
        # The same dict as the day's: every rebuild sees the stock as it is then.
        store.stock = levels
        for v in vehicles:
            for trip in trips:
                tv = _trip_vehicle(v, trip)
                if tv is None:
                    continue
                store.vehicles[tv.vehicle_id] = tv
                store.routes[tv.vehicle_id] = Route(tv.vehicle_id, tv.vehicle_id, v.depot_id)
        uow = _ReadOnlyUnitOfWork(FakeStore())
        uow.store = store
        # An hour of simulated time between snapshots: stock only moves at the waves.
        self.desk = PromiseDesk(
            lambda: uow, max_age=timedelta(hours=1), policy=PromisePolicy(timezone=timezone)
        )
        self.quotes = 0

    def invalidate(self) -> None:
        """Drop the snapshot (stock was reserved or picked)."""
        self.desk.invalidate()

    def quote(self, order: Order) -> PromiseResult:
        """Ask the promise desk, at the moment the order was placed, what it can have."""
        weight = sum(self.weights.get(line.sku_id, 0.0) * line.quantity for line in order.lines)
        cart = Cart(tuple(order.lines), order.address, weight_kg=max(weight, 0.001))
        self.quotes += 1
        return self.desk.quote(cart, now=order.placed_at)

    def settle(self, order: Order) -> Verdict:
        """Return what the customer gets for ``order``, by the promise's answer."""
        answer = self.quote(order)
        return settle(order, answer, self.day)


def _offered(answer: PromiseResult, kind: DeliveryOption, day: date) -> list[PromiseOption]:
    return [o for o in answer.options if o.option is kind and o.delivery_date == day]


def _why(answer: PromiseResult, kind: DeliveryOption) -> str:
    reasons = answer.reasons(kind)
    return reasons[0].message if reasons else f"no {kind.value} option for the delivery day"


def settle(order: Order, answer: PromiseResult, day: date) -> Verdict:
    """Map the promise's answer for ``order`` to what happens to it on ``day``."""
    if order.option is SLOT and order.window is not None:
        slots = _offered(answer, SLOT, day)
        if any(s.slot == order.window for s in slots):
            return Verdict(True, option=SLOT, window=order.window)
        if slots:
            wanted = order.window.start
            best = min(slots, key=lambda s: (abs((s.eta.start - wanted).total_seconds()), s.price))
            return Verdict(True, option=SLOT, window=best.slot or best.eta, moved=True)
    elif _offered(answer, order.option, day):
        return Verdict(True, option=order.option)
    why = f"{order.option.value} not offered ({_why(answer, order.option)})"
    # The customer takes the earliest delivery the promise does offer.
    for kind in (SAME, NEXT, SLOT):
        offered = _offered(answer, kind, day)
        if offered:
            first = min(offered, key=lambda o: (o.eta.start, o.price))
            return Verdict(
                True, option=kind, window=first.slot if kind is SLOT else None, moved=True
            )
    if any(o.delivery_date > day for o in answer.options):
        return Verdict(False, f"{why}: the customer took a later delivery")
    if any(
        r.code is not Unavailable.NO_STOCK_IN_REACH and r.code is not Unavailable.NO_STOCK
        for r in answer.refusals
    ):
        # Not a stock problem (a cut-off passed, an address in a closed area): it waits.
        refusals = "; ".join(sorted({r.message for r in answer.refusals}))
        return Verdict(False, f"nothing could be promised for {day:%d %b}: {refusals}")
    refusals = "; ".join(sorted({r.message for r in answer.refusals}))
    return Verdict(False, f"nothing could be promised: {refusals}", backorder=True)


def promise_refusals(verdicts: Mapping[str, Verdict]) -> dict[str, int]:
    """Count the orders the promise moved to a later day, changed, or could not serve."""
    return {
        "moved to a later day": sum(1 for v in verdicts.values() if not v.due and not v.backorder),
        "option or slot changed": sum(1 for v in verdicts.values() if v.moved),
        "nothing promised": sum(1 for v in verdicts.values() if v.backorder),
    }
