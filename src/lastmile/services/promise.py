"""Use cases of the delivery promise: build the engine from what is stored, quote, hold.

Building the day-plan index costs milliseconds per thousand stops, a quote well under one;
so ``PromiseDesk`` keeps a snapshot (warehouses, available stock, today's and tomorrow's
routes) and rebuilds it when it is older than ``max_age`` or when told the plan changed
(after a re-optimisation or a disruption). Live soft holds survive a rebuild.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from lastmile.domain import Address, InvalidValue, OrderLine, Route
from lastmile.promise import (
    AreaConditions,
    Cart,
    CostModel,
    DayPlanIndex,
    Hold,
    HoldBook,
    NoConditions,
    PlannedRoute,
    PromiseEngine,
    PromiseOption,
    PromisePolicy,
    PromiseResult,
    TravelModel,
)
from lastmile.services.unit_of_work import UnitOfWork
from lastmile.tracking.store import TrackingRepository


def cart_for(*, uow: UnitOfWork, lines: Sequence[OrderLine], address: Address) -> Cart:
    """Return a cart with its weight taken from the catalogue; unknown SKUs are refused."""
    weight = 0.0
    with uow:
        for line in lines:
            sku = uow.skus.get(line.sku_id)
            if sku is None:
                raise InvalidValue("lines", f"unknown sku {line.sku_id!r}")
            weight += sku.weight_kg * line.quantity
    return Cart(tuple(lines), address, weight_kg=max(weight, 0.001))


def _planned(route: Route, uow: UnitOfWork, travel: TravelModel) -> PlannedRoute | None:
    vehicle = uow.vehicles.get(route.vehicle_id)
    warehouse = uow.warehouses.get(route.depot_id)
    if vehicle is None or warehouse is None or warehouse.location is None:
        return None
    if not route.stops:
        # A van's trip with nothing on it yet: all of its shift is room to promise.
        return PlannedRoute(route, vehicle, warehouse.location, vehicle.shift.start)
    first = route.stops[0]
    out_s = warehouse.location.distance_m(first.location) * travel.detour_factor / travel.m_per_s
    deadlines = {}
    for stop in route.stops:
        ends = [
            sh.window.end
            for sid in stop.shipment_ids
            if (sh := uow.shipments.get(sid)) is not None and sh.window is not None
        ]
        if ends:
            deadlines[stop.stop_id] = min(ends)
    return PlannedRoute(
        route, vehicle, warehouse.location, first.arrival - timedelta(seconds=out_s), deadlines
    )


def build_engine(
    *,
    uow: UnitOfWork,
    now: datetime,
    policy: PromisePolicy | None = None,
    cost: CostModel | None = None,
    conditions: AreaConditions | None = None,
    holds: HoldBook | None = None,
    travel: TravelModel | None = None,
) -> PromiseEngine:
    """Return a promise engine on the stored network, stock and routes of today and tomorrow."""
    policy = policy or PromisePolicy()
    travel = travel or TravelModel()
    today = now.astimezone(policy.tz).date()
    with uow:
        warehouses = uow.warehouses.list()
        stock = {(lvl.warehouse_id, lvl.sku_id): lvl.available for lvl in uow.stock.list()}
        by_day: dict[date, list[PlannedRoute]] = {}
        for route in uow.routes.list():
            planned = _planned(route, uow, travel)
            if planned is None:
                continue
            day = planned.start.astimezone(policy.tz).date()
            if day in (today, today + timedelta(days=1)):
                by_day.setdefault(day, []).append(planned)
    plans = {day: DayPlanIndex(routes, travel) for day, routes in by_day.items()}
    engine = PromiseEngine(
        warehouses=warehouses,
        stock=stock,
        plans=plans,
        cost=cost,
        policy=policy,
        conditions=conditions,
        holds=holds,
    )
    # Holds taken on the previous snapshot keep their room on the routes of this one.
    for hold in list(engine.holds):
        plan = plans.get(hold.delivery_date)
        if plan is not None and hold.route_id in plan.route_ids:
            plan.hold(hold.route_id, detour_s=hold.detour_s, parcels=hold.parcels)
    return engine


class PromiseDesk:
    """A warm promise engine shared by API requests; thread-safe.

    Parameters
    ----------
    uow_factory
        Opens units of work to read the snapshot.
    max_age
        Rebuild the snapshot when it is older than this.
    conditions
        Returns the disruptions in force at a moment (called on every rebuild).
    tracking
        Alternatively, opens the tracking store on a unit of work: the disruptions in force
        are then read from it on every rebuild.
    """

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        *,
        max_age: timedelta = timedelta(seconds=30),
        policy: PromisePolicy | None = None,
        cost: CostModel | None = None,
        conditions: Callable[[datetime], AreaConditions] | None = None,
        tracking: Callable[[UnitOfWork], TrackingRepository] | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.max_age = max_age
        self.policy = policy or PromisePolicy()
        self.cost = cost or CostModel()
        if conditions is None and tracking is not None:
            conditions = self._stored_disruptions(tracking)
        self.conditions: Callable[[datetime], AreaConditions] = conditions or (
            lambda _now: NoConditions()
        )
        self.holds = HoldBook()
        self._lock = threading.Lock()
        self._engine: PromiseEngine | None = None
        self._built_at: datetime | None = None

    def _stored_disruptions(
        self, tracking: Callable[[UnitOfWork], TrackingRepository]
    ) -> Callable[[datetime], AreaConditions]:
        def read(now: datetime) -> AreaConditions:
            from lastmile.services.disruptions import disruptions_in_force

            uow = self.uow_factory()
            return disruptions_in_force(uow=uow, tracking=tracking(uow), now=now)

        return read

    def invalidate(self) -> None:
        """Drop the snapshot: the next query rebuilds it (call after the plan changes)."""
        with self._lock:
            self._engine = None

    def _stale(self, now: datetime) -> bool:
        return (
            self._engine is None
            or self._built_at is None
            or now - self._built_at > self.max_age
            or now < self._built_at
        )

    def _current(self, now: datetime) -> PromiseEngine:
        if self._engine is None or self._stale(now):
            self._engine = build_engine(
                uow=self.uow_factory(),
                now=now,
                policy=self.policy,
                cost=self.cost,
                conditions=self.conditions(now),
                holds=self.holds,
            )
            self._built_at = now
        return self._engine

    def quote(self, cart: Cart, *, now: datetime | None = None) -> PromiseResult:
        """Return the options possible now for ``cart``."""
        now = now or datetime.now(UTC)
        with self._lock:
            return self._current(now).quote(cart, now=now)

    def try_quote(self, cart: Cart, *, now: datetime | None = None) -> PromiseResult | None:
        """Quote on the warm snapshot without waiting; None when that would mean waiting.

        None when the snapshot must be rebuilt (a database read) or another thread holds
        the desk: an event loop can call this and hand only those cases to a thread.
        """
        now = now or datetime.now(UTC)
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if self._stale(now):
                return None
            return self._current(now).quote(cart, now=now)
        finally:
            self._lock.release()

    def hold(self, cart: Cart, option: PromiseOption, *, now: datetime | None = None) -> Hold:
        """Hold a quoted option for ``policy.hold_ttl``."""
        now = now or datetime.now(UTC)
        with self._lock:
            return self._current(now).hold(cart, option, now=now)

    def release(self, hold_id: str) -> None:
        """Give a hold back."""
        with self._lock:
            if self._engine is not None:
                self._engine.release(hold_id)
            else:
                self.holds.remove(hold_id)
