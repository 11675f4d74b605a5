"""The day's road phase: vans for a wave, dispatch planning, driving, disruptions.

``RoadSteps`` holds the steps of ``day._Day`` that put parcels on vans and drive them: the
vans free for a wave, the wave's plan, what it leaves out, departure, driving until the
closure (a first-wave van breaking down then), re-optimisation, and each stop's outcome
written back to the orders.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from lastmile.config import Settings
from lastmile.domain import Address, Order, OrderStatus, Shipment, Vehicle
from lastmile.sim import breakdown
from lastmile.sim.dispatch import Van, plan_wave, reoptimize
from lastmile.sim.execution import drive
from lastmile.sim.records import Budget, Policy, RouteRun
from lastmile.sim.scenario import Scenario
from lastmile.sim.world import World

Progress = Callable[[str], None]
RELOAD_S = 900.0


@dataclass(frozen=True)
class Wave:
    """A dispatch wave: orders known at ``cutoff_s`` leave from ``dispatch_s``."""

    number: int
    cutoff_s: float
    dispatch_s: float
    vans_until_s: float | None  # None: the end of the van's shift
    slots_before_s: float  # slot orders starting before this go in this wave


WAVES = (
    Wave(1, 7 * 3600.0, 8 * 3600.0, 13.5 * 3600.0, 13 * 3600.0),
    Wave(2, 12 * 3600.0, 13 * 3600.0, None, 24 * 3600.0),
)


class _Timer:
    def __init__(self, sink: dict[str, float], step: str) -> None:
        self.sink, self.step = sink, step

    def __enter__(self) -> None:
        self.began = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.sink[self.step] += time.perf_counter() - self.began


class RoadSteps:
    """The road phase of a simulated day; ``day._Day`` owns the state declared here."""

    world: World
    sc: Scenario
    policy: Policy
    budget: Budget
    settings: Settings
    say: Progress
    day_start: float
    vehicles: list[Vehicle]
    by_id: dict[str, Order]
    addresses: dict[str, Address]
    carry: dict[str, str]
    unplanned: list[Shipment]
    van_free: dict[str, float]
    towed: set[str]
    timings: dict[str, float]
    parts: dict[str, int]
    parts_done: dict[str, int]

    def _timed(self, step: str) -> _Timer:
        return _Timer(self.timings, step)

    def _vans(self, wave: Wave) -> list[Van]:
        vans: list[Van] = []
        for v in self.vehicles:
            shift_end = self.sc.seconds(v.shift.end)
            start = max(
                wave.dispatch_s,
                self.sc.seconds(v.shift.start),
                self.van_free.get(v.vehicle_id, 0.0),
            )
            # Vans leave on the quarter hour, which also lets the planner group them.
            start = math.ceil(start / 900.0) * 900.0
            until = shift_end if wave.vans_until_s is None else min(wave.vans_until_s, shift_end)
            if start < until:
                vans.append(Van(v, self.world.warehouse_location[v.depot_id], start, until))
        return vans

    def _plan(
        self,
        wave: Wave,
        shipments: list[Shipment],
        ready: dict[str, float],
    ) -> tuple[list[RouteRun], dict[str, str]]:
        locations: list[int] = []
        for s in shipments:
            loc = self.world.travel.index(s.address.point) if s.address.point else None
            assert loc is not None, f"{s.shipment_id} has no known location"
            locations.append(loc)
        routes, unserved = plan_wave(
            shipments,
            locations,
            self._vans(wave),
            self.world.travel,
            wave=wave.number,
            plan_s=wave.cutoff_s,
            ready_s={**ready},
            day_start=self.day_start,
            iterations=self.budget.wave_iterations,
            seed=self.sc.config.seed + wave.number,
        )
        return routes, unserved

    def _leftovers(
        self,
        wave: Wave,
        shipments: list[Shipment],
        unserved: dict[str, str],
    ) -> None:
        last = wave is WAVES[-1]
        for s in shipments:
            if s.shipment_id not in unserved:
                continue
            if last:
                for oid in s.order_ids:
                    self.carry[oid] = (
                        "not planned today: the fleet's capacity and shifts "
                        f"are used up ({unserved[s.shipment_id]})"
                    )
            else:
                self.unplanned.append(s)

    def _depart(self, routes: list[RouteRun]) -> None:
        for r in routes:
            for stop in r.stops:
                for oid in stop.shipment.order_ids:
                    order = self.by_id[oid]
                    # A split order is already out once its first part left.
                    if order.status in (OrderStatus.PACKED, OrderStatus.REDELIVERY):
                        order.transition(OrderStatus.OUT_FOR_DELIVERY, at=self.sc.at(r.depart_s))

    def _execute(self, wave: Wave, routes: list[RouteRun]) -> None:
        truth, day0 = self.sc.truth, self.day_start
        geofence = self.settings.geofence_m
        disruption = self.world.travel.closure.start_s if self.world.travel.closure else None
        if disruption is not None and wave.dispatch_s < disruption:
            for r in routes:
                drive(
                    r,
                    self.world.travel,
                    truth,
                    self.addresses,
                    day_start=day0,
                    until_s=disruption,
                    geofence_m=geofence,
                )
            self._break_down(wave, routes, disruption)
            if self.policy.reoptimize:
                self.say(
                    f"closure of {self.sc.disruption.closure_street} and rain: "
                    "re-optimising the vans on the road"
                )
                with self._timed("re-optimisation"):
                    reoptimize(
                        routes,
                        self.world.travel,
                        now_s=disruption,
                        day_start=day0,
                        iterations=self.budget.reopt_iterations,
                        seed=self.sc.config.seed,
                    )
        for r in routes:
            drive(r, self.world.travel, truth, self.addresses, day_start=day0, geofence_m=geofence)
            self.van_free[r.vehicle_id] = (
                breakdown.OUT_OF_SERVICE_S
                if r.vehicle_id in self.towed
                else (r.end_s or r.clock_s) + RELOAD_S
            )
            self._record(r)

    def _break_down(self, wave: Wave, routes: list[RouteRun], now_s: float) -> None:
        """Break down the first wave's busiest van on the road, and handle its parcels."""
        if not self.sc.disruption.van_breakdown or wave is not WAVES[0]:
            return
        van = breakdown.busiest_on_road(routes)
        if van is None:
            return
        shipments = breakdown.recover(van, now_s)
        self.towed.add(van.vehicle_id)
        replan = self.policy.reoptimize
        reason = breakdown.REASON if replan else breakdown.NOT_REPLANNED
        self.say(
            f"van {van.vehicle_id} broke down with {len(shipments)} stops left: "
            + ("back to the depot for the next wave" if replan else "nobody re-plans them")
        )
        when = self.sc.at(now_s)
        for shipment in shipments:
            for oid in shipment.order_ids:
                order = self.by_id[oid]
                if order.status is OrderStatus.OUT_FOR_DELIVERY:
                    order.transition(OrderStatus.FAILED_ATTEMPT, reason=reason, at=when)
                    order.transition(OrderStatus.REDELIVERY, reason=reason, at=when)
                if not replan:
                    self.carry[oid] = reason
        if replan:
            self.unplanned.extend(shipments)

    def _record(self, route: RouteRun) -> None:
        out = OrderStatus.OUT_FOR_DELIVERY
        for stop in route.stops:
            when = self.sc.at(stop.arrival_s or route.clock_s)
            for oid in stop.delivered:
                self.parts_done[oid] += 1
                order = self.by_id[oid]
                if order.status is out and self.parts_done[oid] == self.parts[oid]:
                    order.transition(OrderStatus.DELIVERED, at=when)
            for oid, reason in stop.failed.items():
                if self.by_id[oid].status is out:
                    self.by_id[oid].transition(OrderStatus.FAILED_ATTEMPT, reason=reason, at=when)
            if stop.dropped_reason:
                for oid in stop.shipment.order_ids:
                    order = self.by_id[oid]
                    if order.status is out:
                        order.transition(
                            OrderStatus.FAILED_ATTEMPT, reason=stop.dropped_reason, at=when
                        )
                        order.transition(
                            OrderStatus.REDELIVERY, reason=stop.dropped_reason, at=when
                        )
                    self.carry[oid] = stop.dropped_reason
