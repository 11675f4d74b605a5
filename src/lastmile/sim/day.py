"""One simulated day, from the first order to the evening's reorder suggestions.

Two dispatch waves. Orders known at a wave's cut-off go through intake (geocoding,
review flags, the product's delivery promise asked at the moment each was placed),
sourcing (stock reserved), picking, cartonization and consolidation, then dispatch
planning; vans drive in simulated time (``road``). At the road closure (with the rain
spell close behind) a first-wave van breaks down and the vans on the road are
re-optimised when the policy says so. Wave 2 vans leave once back from wave 1 and
reloaded. Every order ends the day delivered, failed, backordered, cancelled or carried
over, with a reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np

from lastmile.config import get_settings
from lastmile.domain import (
    DeliveryOption,
    Order,
    OrderStatus,
    Shipment,
    StockLevel,
    Vehicle,
    Warehouse,
)
from lastmile.sim import pipeline
from lastmile.sim.checkout import Checkout, Trip, Verdict, promise_refusals
from lastmile.sim.dispatch import schedule
from lastmile.sim.ends import order_ends
from lastmile.sim.packing import Pick, consolidate
from lastmile.sim.picking import time_pick_waves
from lastmile.sim.records import Budget, DayResult, Policy, RouteRun
from lastmile.sim.road import WAVES, Progress, RoadSteps, Wave
from lastmile.sim.scenario import LOCAL
from lastmile.sim.world import World


class _Day(RoadSteps):
    """The mutable state of one day under one policy."""

    def __init__(
        self, world: World, policy: Policy, budget: Budget, progress: Progress | None
    ) -> None:
        self.world = world
        self.sc = world.scenario
        self.policy = policy
        self.budget = budget
        self.say = progress or (lambda _msg: None)
        self.settings = get_settings()
        self.day_start = self.sc.at(0).timestamp()
        self.orders = [
            replace(o, events=[], status=OrderStatus.CREATED, status_reason="")
            for o in self.sc.orders
        ]
        self.by_id = {o.order_id: o for o in self.orders}
        self.warehouses: list[Warehouse] = (
            [self.sc.central] if policy.single_warehouse else list(self.sc.warehouses)
        )
        self.vehicles: list[Vehicle] = [
            replace(v, depot_id=self.sc.central.warehouse_id) if policy.single_warehouse else v
            for v in self.sc.vehicles
        ]
        self.levels = self._opening_stock()
        self.checkout = self._checkout()
        self.verdicts: dict[str, Verdict] = {}
        self.addresses = {o.order_id: o.address for o in self.orders}
        self.flags: dict[str, str] = {}
        self.carry: dict[str, str] = {}
        self.allocations: dict[str, list[pipeline.Allocation]] = {}
        self.held: list[str] = []  # sourced, waiting for a later wave
        self.unplanned: list[Shipment] = []
        self.routes: list[RouteRun] = []
        self.van_free: dict[str, float] = {}
        self.towed: set[str] = set()  # vans broken down and out of service for the day
        self.timings: dict[str, float] = defaultdict(float)
        self.capabilities: dict[str, str] = {
            "travel times": world.travel.source_name,
            "intake / geocoding": world.geocoder_name,
            "promise": "lastmile.services.promise.PromiseDesk",
            "waves / picking": "simulator waves: cut-off, pick rate per warehouse",
            "cartonization / consolidation": "lastmile.fulfillment.cartonization (3D packer) "
            "and lastmile.fulfillment.consolidation (address, day, option, window)",
            "dispatch planning": "lastmile.routing (PyVRP backend)",
            "re-optimisation": "lastmile.routing (PyVRP, vans locked to their parcels); "
            "a broken-down van's parcels back to the depot for the next wave",
            "proof of delivery": "lastmile.tracking risk score (method) and geofence check; "
            "doorstep outcomes drawn by the scenario",
            "forecast / reorder": "lastmile.services.forecasting.plan_inventory "
            "(fast model profile, (s, S) purchase suggestions)",
        }
        self.sold: dict[tuple[str, str], int] = defaultdict(int)
        self.parts: dict[str, int] = {}  # shipments each order travels in
        self.parts_done: dict[str, int] = defaultdict(int)
        self.pick_waves = [0, 0]  # waves planned, waves late
        self.stockout_lines = 0
        self.units_ordered = 0
        self.units_allocated = 0
        self.address_counts = [0, 0, 0]  # errors, held for review, corrected by geocoding

    # ------------------------------------------------------------------ set-up
    def _opening_stock(self) -> dict[tuple[str, str], StockLevel]:
        levels: dict[tuple[str, str], StockLevel] = {}
        opening = self.sc.at(0)
        for (sku_id, wh_id), qty in sorted(self.sc.stock.items()):
            if self.policy.single_warehouse:
                wh_id = self.sc.central.warehouse_id
            level = levels.setdefault((sku_id, wh_id), StockLevel(sku_id, wh_id))
            if qty > 0:
                level.receive(qty, reference="opening stock", at=opening)
        return levels

    def _checkout(self) -> Checkout:
        trips = [
            Trip(
                f"wave{w.number}",
                self.sc.at(w.dispatch_s),
                self.sc.at(w.vans_until_s if w.vans_until_s is not None else 24 * 3600.0 - 1),
            )
            for w in WAVES
        ]
        return Checkout(
            day=self.sc.day,
            warehouses=self.warehouses,
            skus=self.sc.skus,
            vehicles=self.vehicles,
            levels=self.levels,
            trips=trips,
            timezone=str(LOCAL),
        )

    # ------------------------------------------------------------------ the day
    def run(self) -> DayResult:
        for wave in WAVES:
            self._wave(wave)
        self._late_orders()
        counts = promise_refusals(self.verdicts)
        self.capabilities["promise"] = (
            "lastmile.services.promise.PromiseDesk at each order's checkout on the day's stock "
            f"and van trips ({self.checkout.quotes} quotes; "
            + ", ".join(f"{n} {what}" for what, n in counts.items())
            + ")"
        )
        self.say("end of day: inventory update, forecast and reorder suggestions")
        with self._timed("inventory loop"):
            forecast_total, reorder, empty = self._inventory_loop()
        return DayResult(
            scenario=self.sc,
            policy=self.policy,
            routes=self.routes,
            ends=order_ends(self.orders, self.routes, self.carry, self.day_start),
            address_flags=dict(self.flags),
            units_ordered=self.units_ordered,
            units_shipped=self.units_allocated,
            stockout_lines=self.stockout_lines,
            empty_shelves_end=empty,
            reorder=reorder,
            forecast_units_next_week=forecast_total,
            timings=dict(self.timings),
            capabilities=dict(self.capabilities),
            orders=self.orders,
            levels=self.levels,
            address_errors=self.address_counts[0],
            address_errors_held=self.address_counts[1],
            address_errors_corrected=self.address_counts[2],
        )

    def _wave(self, wave: Wave) -> None:
        cutoff = wave.cutoff_s
        known = [
            o
            for o in self.orders
            if self.sc.seconds(o.placed_at) <= cutoff
            and o.status is OrderStatus.CREATED
            and o.order_id not in self.carry
        ]
        self.say(f"wave {wave.number}: intake of {len(known)} orders")
        with self._timed("intake"):
            fresh = self._intake(known, cutoff)
        self._cancellations(cutoff)
        self.say(f"wave {wave.number}: sourcing {len(fresh)} orders")
        with self._timed("sourcing"):
            self._source(fresh, cutoff)
        ship_now = [oid for oid in self.held if self._in_wave(self.by_id[oid], wave)]
        self.held = [oid for oid in self.held if oid not in set(ship_now)]
        self.say(f"wave {wave.number}: picking and packing {len(ship_now)} orders")
        with self._timed("waves / picking"):
            picks, ready = self._pick(ship_now, cutoff)
        with self._timed("cartonization / consolidation"):
            shipments = (
                consolidate(
                    [self.by_id[o] for o in ship_now],
                    picks,
                    {s.sku_id: s for s in self.sc.skus},
                    now=self.sc.at(cutoff),
                    tz=LOCAL,
                    delivery_date=self.sc.day.isoformat(),
                    enabled=self.policy.consolidate,
                    batch=f"-W{wave.number}",
                )
                + self.unplanned
            )
        self.unplanned = []
        for shipment in shipments:
            for oid in shipment.order_ids:
                self.parts[oid] = len({a.warehouse_id for a in self.allocations[oid]})
        self.say(f"wave {wave.number}: planning {len(shipments)} stops")
        with self._timed("dispatch planning"):
            routes, unserved = self._plan(wave, shipments, ready)
        with self._timed("waves / picking"):
            self._pick_waves(routes, wave.cutoff_s)
        self._leftovers(wave, shipments, unserved)
        self._depart(routes)
        self.say(f"wave {wave.number}: {len(routes)} vans on the road")
        with self._timed("execution"):
            self._execute(wave, routes)
        self.routes.extend(routes)

    def _late_orders(self) -> None:
        """Take in the orders placed after the last cut-off: they ship on a later day."""
        late = [
            o
            for o in self.orders
            if o.status is OrderStatus.CREATED and o.order_id not in self.carry
        ]
        last = WAVES[-1].cutoff_s
        for order in self._intake(late, 24 * 3600.0):
            placed = order.placed_at.astimezone(self.sc.at(0).tzinfo)
            self.carry[order.order_id] = (
                f"placed {placed:%H:%M}, after the last wave's cut-off "
                f"({self.sc.at(last):%H:%M}): ships on the next day's first wave"
            )
        for oid in self.held:
            self.carry[oid] = "sourced for a slot no wave of the day covers"

    def _in_wave(self, order: Order, wave: Wave) -> bool:
        if order.option is DeliveryOption.SLOT and order.window is not None:
            return self.sc.seconds(order.window.start) < wave.slots_before_s
        return True

    # ------------------------------------------------------------------ steps
    def _intake(self, orders: list[Order], cutoff: float) -> list[Order]:
        fresh: list[Order] = []
        for order in orders:
            at = max(order.placed_at, self.sc.at(cutoff - 1))
            if self._cancelled_by(order, cutoff):
                order.transition(OrderStatus.CANCELLED, reason="cancelled by the customer", at=at)
                continue
            address, held = self.world.intake[order.order_id]
            order.address = address
            self.addresses[order.order_id] = address
            self._check_address(order, held)
            if held:
                self.flags[order.order_id] = held
                self.carry[order.order_id] = held
                continue
            order.transition(OrderStatus.VALIDATED, at=at)
            with self._timed("promise"):
                verdict = self.checkout.settle(order)
            self.verdicts[order.order_id] = verdict
            if verdict.backorder:
                self.units_ordered += order.total_units
                self.stockout_lines += len(order.lines)
                order.transition(OrderStatus.BACKORDERED, reason=verdict.reason, at=at)
                continue
            if not verdict.due:
                self.carry[order.order_id] = verdict.reason
                continue
            if verdict.option is not None and verdict.option is not order.option:
                order.option = verdict.option
            if verdict.window is not None or verdict.option is not DeliveryOption.SLOT:
                order.window = verdict.window
            fresh.append(order)
        return fresh

    def _check_address(self, order: Order, held: str) -> None:
        """Count what intake did with a mistyped or incomplete address (truth is known)."""
        truth = self.sc.truth[order.order_id]
        if not truth.address_error:
            return
        self.address_counts[0] += 1
        point = order.address.point
        if held:
            self.address_counts[1] += 1
        elif point is not None and point.distance_m(truth.point) <= self.settings.geofence_m:
            self.address_counts[2] += 1

    def _cancelled_by(self, order: Order, t: float) -> bool:
        after = self.sc.truth[order.order_id].cancel_after_s
        return after is not None and self.sc.seconds(order.placed_at) + after <= t

    def _cancellations(self, cutoff: float) -> None:
        for oid in list(self.held):
            order = self.by_id[oid]
            if self._cancelled_by(order, cutoff):
                for a in self.allocations.pop(oid, []):
                    self.levels[(a.sku_id, a.warehouse_id)].release(
                        a.quantity, reference=f"{oid} cancelled", at=self.sc.at(cutoff)
                    )
                order.transition(
                    OrderStatus.CANCELLED, reason="cancelled by the customer", at=self.sc.at(cutoff)
                )
                self.held.remove(oid)

    def _source(self, orders: list[Order], cutoff: float) -> None:
        outcome = pipeline.source(
            orders,
            self.warehouses,
            self.levels,
            [s.sku_id for s in self.sc.skus],
            self.world.source,
            now=self.sc.at(cutoff - 1),
            route_aware=self.policy.route_aware_sourcing,
            time_limit_s=self.budget.sourcing_s,
            node_limit=self.budget.sourcing_nodes,
            seed=self.sc.config.seed,
        )
        self.capabilities["sourcing"] = outcome.implementation
        # Stock was reserved: the promise's next snapshot must see it.
        self.checkout.invalidate()
        at = self.sc.at(cutoff)
        for order in orders:
            oid = order.order_id
            self.units_ordered += order.total_units
            if oid in outcome.backordered:
                self.stockout_lines += len(order.lines)
                order.transition(OrderStatus.BACKORDERED, reason=outcome.backordered[oid], at=at)
                continue
            for a in outcome.allocations[oid]:
                self.levels[(a.sku_id, a.warehouse_id)].reserve(a.quantity, reference=oid, at=at)
            self.allocations[oid] = outcome.allocations[oid]
            self.units_allocated += sum(a.quantity for a in outcome.allocations[oid])
            order.transition(OrderStatus.SOURCED, at=at)
            self.held.append(oid)

    def _pick(self, order_ids: list[str], cutoff: float) -> tuple[list[Pick], dict[str, float]]:
        picks: list[Pick] = []
        units: dict[str, int] = defaultdict(int)
        at = self.sc.at(cutoff)
        for oid in order_ids:
            for a in self.allocations[oid]:
                self.levels[(a.sku_id, a.warehouse_id)].pick(a.quantity, reference=oid, at=at)
                self.sold[(a.sku_id, a.warehouse_id)] += a.quantity
                units[a.warehouse_id] += a.quantity
                picks.append(Pick(oid, a.sku_id, a.quantity, a.warehouse_id))
            order = self.by_id[oid]
            order.transition(OrderStatus.PICKED, at=at)
            order.transition(OrderStatus.PACKED, at=at)
        capacity = {w.warehouse_id: w.pick_capacity_per_hour for w in self.warehouses}
        ready = {w: cutoff + 3600.0 * n / capacity[w] for w, n in units.items()}
        return picks, ready

    def _pick_waves(self, routes: list[RouteRun], cutoff: float) -> None:
        """Time the pick waves behind the planned routes; a late wave holds its van."""
        plan = time_pick_waves(
            routes,
            lambda oid, wh: [
                (a.sku_id, a.quantity) for a in self.allocations[oid] if a.warehouse_id == wh
            ],
            {w.warehouse_id: w for w in self.warehouses},
            now_s=cutoff,
            at=self.sc.at,
            seconds=self.sc.seconds,
        )
        self.pick_waves[0] += plan.waves
        self.pick_waves[1] += plan.late
        for r in routes:
            held = plan.departures_s.get(r.route_id, r.depart_s)
            if held > r.depart_s:
                r.depart_s = r.clock_s = held
                schedule(r, self.world.travel, day_start=self.day_start, sent_s=cutoff, first=True)
        waves, late = self.pick_waves
        self.capabilities["waves / picking"] = (
            "release after the simulator's pick-rate estimate; pick waves per van departure "
            f"by lastmile.fulfillment.waves ({waves} waves, {late} late)"
        )

    # ------------------------------------------------------------------ end of day
    def _inventory_loop(self) -> tuple[float, list[dict[str, object]], int]:
        sku_ids = [s.sku_id for s in self.sc.skus]
        wh_ids = [w.warehouse_id for w in self.warehouses]
        history = self.sc.history
        if self.policy.single_warehouse:
            history = history.sum(axis=2, keepdims=True)
        sold = np.array(
            [[self.sold.get((s, w), 0) for w in wh_ids] for s in sku_ids], dtype=np.float64
        )
        available = pipeline.stock_table(self.levels, wh_ids, sku_ids).T.astype(np.float64)
        forecast, suggest = pipeline.inventory_loop(
            history, sold, available, sku_ids=sku_ids, warehouse_ids=wh_ids, today=self.sc.day
        )
        reorder = [
            {
                "sku_id": sku_ids[i],
                "warehouse_id": wh_ids[j],
                "quantity": int(suggest[i, j]),
                "available": int(available[i, j]),
                "forecast_week": round(float(forecast[i, j]), 1),
            }
            for i, j in zip(*np.nonzero(suggest), strict=True)
        ]
        reorder.sort(key=lambda r: -int(str(r["quantity"])))
        return float(forecast.sum()), reorder, int((available <= 0).sum())


def run_day(
    world: World,
    policy: Policy | None = None,
    *,
    budget: Budget | None = None,
    progress: Progress | None = None,
) -> DayResult:
    """Run the scenario's day under ``policy``.

    Parameters
    ----------
    world
        The scenario with its road network and matrices (``build_world``).
    policy
        The operating choices; the baseline (three warehouses, consolidation,
        re-optimisation, route-aware sourcing) by default.
    budget
        Solver seconds per wave and per re-optimisation.
    progress
        Called with a short line as each step starts.
    """
    return _Day(world, policy or Policy(), budget or Budget(), progress).run()
