"""Use cases of the delivery promise: build the engine from what is stored, quote, hold.

Building the day-plan index costs milliseconds per thousand stops, a quote well under one;
so ``PromiseDesk`` keeps a snapshot (warehouses, available stock, today's and tomorrow's
routes), refreshes it in the background when it is older than ``max_age`` and rebuilds
it when told the plan changed (after a re-optimisation or a disruption). Live soft holds
survive both.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from lastmile.domain import Address, InvalidValue, OrderLine, Route, Shipment, Warehouse
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

logger = logging.getLogger(__name__)


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


def _planned(
    route: Route, uow: UnitOfWork, travel: TravelModel, shipments: dict[str, Shipment]
) -> PlannedRoute | None:
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
            if (sh := shipments.get(sid)) is not None and sh.window is not None
        ]
        if ends:
            deadlines[stop.stop_id] = min(ends)
    return PlannedRoute(
        route, vehicle, warehouse.location, first.arrival - timedelta(seconds=out_s), deadlines
    )


@dataclass(frozen=True)
class PromiseSnapshot:
    """What the engine is built on, as read from storage at one moment.

    Its day-plan indexes take holds, so a snapshot backs one engine only (``engine_on``).
    """

    warehouses: list[Warehouse]
    stock: dict[tuple[str, str], int]
    plans: dict[date, DayPlanIndex]


def read_snapshot(
    *,
    uow: UnitOfWork,
    now: datetime,
    policy: PromisePolicy | None = None,
    travel: TravelModel | None = None,
) -> PromiseSnapshot:
    """Read the network, available stock and the routes of today and tomorrow."""
    policy = policy or PromisePolicy()
    travel = travel or TravelModel()
    today = now.astimezone(policy.tz).date()
    # A route of today or tomorrow has a stop after today's start (or none yet): the
    # days before stay in the database.
    today_began = datetime.combine(today, time.min, policy.tz)
    with uow:
        warehouses = uow.warehouses.list()
        stock = {(lvl.warehouse_id, lvl.sku_id): lvl.available for lvl in uow.stock.list()}
        by_day: dict[date, list[PlannedRoute]] = {}
        routes = uow.routes.list(since=today_began)
        shipments = uow.shipments.get_many(
            [sid for r in routes for stop in r.stops for sid in stop.shipment_ids]
        )
        for route in routes:
            planned = _planned(route, uow, travel, shipments)
            if planned is None:
                continue
            day = planned.start.astimezone(policy.tz).date()
            if day in (today, today + timedelta(days=1)):
                by_day.setdefault(day, []).append(planned)
    plans = {day: DayPlanIndex(routes, travel) for day, routes in by_day.items()}
    return PromiseSnapshot(warehouses, stock, plans)


def engine_on(
    snapshot: PromiseSnapshot,
    *,
    policy: PromisePolicy | None = None,
    cost: CostModel | None = None,
    conditions: AreaConditions | None = None,
    holds: HoldBook | None = None,
) -> PromiseEngine:
    """Return an engine on ``snapshot``, with the live ``holds`` taking their room again."""
    engine = PromiseEngine(
        warehouses=snapshot.warehouses,
        stock=snapshot.stock,
        plans=snapshot.plans,
        cost=cost,
        policy=policy,
        conditions=conditions,
        holds=holds,
    )
    # Holds taken on the previous snapshot keep their room on the routes of this one.
    for hold in list(engine.holds):
        plan = snapshot.plans.get(hold.delivery_date)
        if plan is not None and hold.route_id in plan.route_ids:
            plan.hold(hold.route_id, detour_s=hold.detour_s, parcels=hold.parcels)
    return engine


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
    snapshot = read_snapshot(uow=uow, now=now, policy=policy, travel=travel)
    return engine_on(snapshot, policy=policy, cost=cost, conditions=conditions, holds=holds)


def in_a_thread(work: Callable[[], None]) -> None:
    """Run ``work`` in a daemon thread (a server's background refresh of what it caches)."""
    threading.Thread(target=work, daemon=True, name="refresh").start()


class PromiseDesk:
    """A warm promise engine shared by API requests; thread-safe.

    A snapshot older than ``max_age`` is rebuilt before quoting; with ``in_background`` it
    is instead still quoted from while one background read replaces it, so that no query
    waits for the database because the clock moved on, up to twice ``max_age`` (then the
    background read failed or lags, and the query rebuilds). After ``invalidate`` (the
    plan changed) the next query always rebuilds.

    Parameters
    ----------
    uow_factory
        Opens units of work to read the snapshot.
    max_age
        Refresh the snapshot when it is older than this.
    conditions
        Returns the disruptions in force at a moment (called on every rebuild).
    tracking
        Alternatively, opens the tracking store on a unit of work: the disruptions in force
        are then read from it on every rebuild.
    in_background
        Runs a refresh away from the caller (``in_a_thread`` for a server). None: no
        background refresh, so the answers on a simulated clock stay reproducible.
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
        in_background: Callable[[Callable[[], None]], None] | None = None,
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
        self.in_background = in_background
        self._lock = threading.Lock()
        self._engine: PromiseEngine | None = None
        self._built_at: datetime | None = None
        # Bumped by invalidate: a refresh that started before it may have read the old plan.
        self._generation = 0
        self._refreshing = False

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
            self._generation += 1

    def _usable(self, now: datetime) -> bool:
        """Whether the snapshot may answer at ``now`` (perhaps while it is refreshed)."""
        served_for = 2 * self.max_age if self.in_background else self.max_age
        return (
            self._engine is not None
            and self._built_at is not None
            and self._built_at <= now <= self._built_at + served_for
        )

    def _read(self, now: datetime) -> tuple[PromiseSnapshot, AreaConditions]:
        snapshot = read_snapshot(uow=self.uow_factory(), now=now, policy=self.policy)
        return snapshot, self.conditions(now)

    def _bind(self, snapshot: PromiseSnapshot, conditions: AreaConditions, now: datetime) -> None:
        # Under the lock: no hold can be placed or given back between the engine's
        # re-application of the live holds and the swap.
        self._engine = engine_on(
            snapshot, policy=self.policy, cost=self.cost, conditions=conditions, holds=self.holds
        )
        self._built_at = now

    def _current(self, now: datetime) -> PromiseEngine:
        """The engine to quote from at ``now``; rebuilds in place when none is usable."""
        if not self._usable(now):
            self._bind(*self._read(now), now)
        assert self._engine is not None
        return self._engine

    def _due_refresh(self, now: datetime) -> Callable[[], None] | None:
        """Under the lock: the refresh to start (after the lock is let go), if one is due."""
        if (
            not self.in_background
            or self._refreshing
            or self._built_at is None
            or now - self._built_at <= self.max_age
        ):
            return None
        self._refreshing = True
        generation = self._generation

        def refresh() -> None:
            read = None
            try:
                read = self._read(now)
            except Exception:
                logger.exception("promise snapshot refresh failed; a later query retries")
            finally:
                with self._lock:
                    self._refreshing = False
                    # Not over a newer snapshot, nor one read before the plan changed.
                    fresh = self._built_at is None or self._built_at <= now
                    if read is not None and fresh and generation == self._generation:
                        self._bind(*read, now)

        return refresh

    def _start(self, refresh: Callable[[], None] | None) -> None:
        if refresh is None or self.in_background is None:
            return
        try:
            self.in_background(refresh)
        except Exception:
            # The quote stands; the next one past max_age tries again.
            logger.exception("could not start a promise snapshot refresh")
            with self._lock:
                self._refreshing = False

    def quote(self, cart: Cart, *, now: datetime | None = None) -> PromiseResult:
        """Return the options possible now for ``cart``."""
        now = now or datetime.now(UTC)
        with self._lock:
            result = self._current(now).quote(cart, now=now)
            refresh = self._due_refresh(now)
        self._start(refresh)
        return result

    def try_quote(self, cart: Cart, *, now: datetime | None = None) -> PromiseResult | None:
        """Quote on the warm snapshot without waiting; None when that would mean waiting.

        None when no snapshot may answer (it must be read from the database first) or
        another thread holds the desk: an event loop can call this and hand only those
        cases to a thread.
        """
        now = now or datetime.now(UTC)
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if not self._usable(now):
                return None
            result = self._current(now).quote(cart, now=now)
            refresh = self._due_refresh(now)
        finally:
            self._lock.release()
        self._start(refresh)
        return result

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
