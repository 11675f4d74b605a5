"""The promise engine: which delivery options are really possible now, at what time and price."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from lastmile.domain.geo import GeoPoint
from lastmile.domain.order import DeliveryOption
from lastmile.domain.time_window import TimeWindow
from lastmile.domain.warehouse import Warehouse
from lastmile.promise.cost import CostModel
from lastmile.promise.holds import Hold, HoldBook
from lastmile.promise.model import Cart, PromiseOption, PromiseResult, Refusal, Unavailable
from lastmile.promise.plan_index import DayPlanIndex, Insertion
from lastmile.promise.policy import AreaConditions, NoConditions, PromisePolicy

SAME, NEXT, SLOT = DeliveryOption.SAME_DAY, DeliveryOption.NEXT_DAY, DeliveryOption.SLOT


@dataclass(slots=True)
class _Sourcing:
    """Warehouses able to ship the whole cart, nearest first, with their distance."""

    same_day: list[tuple[Warehouse, float]] = field(default_factory=list)
    next_day: list[tuple[Warehouse, float]] = field(default_factory=list)
    any_stock: bool = False


def _floor(moment: datetime, step: timedelta) -> datetime:
    s = step.total_seconds()
    return datetime.fromtimestamp(math.floor(moment.timestamp() / s) * s, tz=moment.tzinfo)


def _ceil(moment: datetime, step: timedelta) -> datetime:
    s = step.total_seconds()
    return datetime.fromtimestamp(math.ceil(moment.timestamp() / s) * s, tz=moment.tzinfo)


class PromiseEngine:
    """Answers promise queries against live stock, the day plans and live disruptions.

    Parameters
    ----------
    warehouses
        The network; warehouses without a location are never offered.
    stock
        Available units by ``(warehouse_id, sku_id)``; soft holds are subtracted.
    plans
        The plan index of each day that has one; slots exist only on planned days, and
        same-day needs today's plan.
    cost, policy
        Pricing and rules.
    conditions
        Live disruptions; an address in a closed area gets no timed option.
    """

    def __init__(
        self,
        *,
        warehouses: Sequence[Warehouse],
        stock: Mapping[tuple[str, str], int],
        plans: Mapping[date, DayPlanIndex],
        cost: CostModel | None = None,
        policy: PromisePolicy | None = None,
        conditions: AreaConditions | None = None,
        holds: HoldBook | None = None,
    ) -> None:
        self.warehouses = [w for w in warehouses if w.location is not None]
        self.stock = dict(stock)
        self.plans = dict(plans)
        self.cost = cost or CostModel()
        self.policy = policy or PromisePolicy()
        self.conditions: AreaConditions = conditions or NoConditions()
        self.holds = holds if holds is not None else HoldBook()
        self._wh_lat = np.array([w.location.lat for w in self.warehouses if w.location])
        self._wh_lon = np.array([w.location.lon for w in self.warehouses if w.location])

    # -- queries ---------------------------------------------------------------------------

    def quote(self, cart: Cart, *, now: datetime | None = None) -> PromiseResult:
        """Return the options possible for ``cart`` at ``now``, and why the others are not.

        Parameters
        ----------
        cart
            The lines and the (geocoded) address.
        now
            The moment of the query, timezone-aware; defaults to the current time.

        Returns
        -------
        PromiseResult
            Options cheapest-first within each kind, and a refusal per missing kind.
        """
        now = now or datetime.now(UTC)
        self._expire(now)
        geocode = cart.address.geocode
        if geocode is None:
            msg = "the address could not be located; please check it"
            return PromiseResult(
                now,
                (),
                tuple(Refusal(o, Unavailable.NOT_GEOCODED, msg) for o in (SAME, NEXT, SLOT)),
            )
        point = geocode.point
        local_now = now.astimezone(self.policy.tz)
        today = local_now.date()
        refusals: list[Refusal] = []
        options: list[PromiseOption] = []
        sourcing = self._source(cart, point)
        timed_ok = True
        if geocode.confidence < self.policy.min_confidence:
            timed_ok = False
            msg = (
                f"the address was located with low confidence ({geocode.confidence:.2f}); "
                "only untimed delivery can be promised until it is checked"
            )
            refusals += [
                Refusal(SAME, Unavailable.LOW_CONFIDENCE, msg),
                Refusal(SLOT, Unavailable.LOW_CONFIDENCE, msg),
            ]
        slowdown = self.conditions.factor_at(point)
        if timed_ok and not math.isfinite(slowdown):
            timed_ok = False
            msg = "the address is inside an area closed by a disruption"
            refusals += [
                Refusal(SAME, Unavailable.DISRUPTED_AREA, msg),
                Refusal(SLOT, Unavailable.DISRUPTED_AREA, msg),
            ]
        if timed_ok:
            # Same-day and today's slots share one insertion search over today's plan.
            plan = self.plans.get(today)
            open_today = self._open_same_day(sourcing, local_now)
            ready = local_now + self.policy.handling
            grid = [(a, b) for a, b in self._slot_grid(today) if b > ready]
            found: list[Insertion | None] = [None] * (len(grid) + 1)
            if plan is not None and open_today:
                day_end = datetime.combine(today, self.policy.last_slot_end, self.policy.tz)
                depots = [w.warehouse_id for w in open_today]
                found = self._insert(
                    plan, cart, point, depots, ready, [(ready, day_end), *grid], slowdown
                )
            same = self._same_day(sourcing, open_today, plan, local_now, found[0])
            if isinstance(same, PromiseOption):
                options.append(same)
            else:
                refusals.append(same)
            slots, why_slot = self._slots(
                cart, point, sourcing, local_now, slowdown, list(zip(grid, found[1:], strict=True))
            )
            options += slots
            if not slots:
                refusals.append(why_slot)
        nxt = self._next_day(point, sourcing, local_now, today)
        if isinstance(nxt, PromiseOption):
            options.append(nxt)
        else:
            refusals.append(nxt)
        return PromiseResult(now, tuple(options), tuple(refusals))

    def hold(self, cart: Cart, option: PromiseOption, *, now: datetime | None = None) -> Hold:
        """Set aside the stock and route room of a chosen option for the hold period."""
        now = now or datetime.now(UTC)
        hold = self.holds.place(
            warehouse_id=option.warehouse_id,
            lines=cart.lines,
            now=now,
            ttl=self.policy.hold_ttl,
            delivery_date=option.delivery_date,
            route_id=option.route_id,
            detour_s=option.detour_s,
            parcels=cart.parcels,
        )
        plan = self.plans.get(option.delivery_date)
        if plan is not None and option.route_id:
            plan.hold(option.route_id, detour_s=option.detour_s, parcels=cart.parcels)
        return hold

    def release(self, hold_id: str) -> None:
        """Give a hold back (the customer left, or the order now owns the stock)."""
        hold = self.holds.remove(hold_id)
        if hold is not None:
            self._unhold_route(hold)

    # -- parts -----------------------------------------------------------------------------

    def _expire(self, now: datetime) -> None:
        for hold in self.holds.expire(now):
            self._unhold_route(hold)

    def _unhold_route(self, hold: Hold) -> None:
        plan = self.plans.get(hold.delivery_date)
        if plan is not None and hold.route_id:
            plan.release(hold.route_id, detour_s=hold.detour_s, parcels=hold.parcels)

    def _has_stock(self, cart: Cart, warehouse_id: str) -> bool:
        return all(
            self.stock.get((warehouse_id, line.sku_id), 0)
            - self.holds.held_units(warehouse_id, line.sku_id)
            >= line.quantity
            for line in cart.lines
        )

    def _source(self, cart: Cart, point: GeoPoint) -> _Sourcing:
        out = _Sourcing()
        if not self.warehouses:
            return out
        p1, p2 = np.radians(self._wh_lat), math.radians(point.lat)
        dl = np.radians(point.lon - self._wh_lon)
        a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * math.cos(p2) * np.sin(dl / 2) ** 2
        dist = 2 * 6_371_008.8 * np.arcsin(np.minimum(1.0, np.sqrt(a)))
        for i in np.argsort(dist):
            wh, d = self.warehouses[int(i)], float(dist[int(i)])
            if not self._has_stock(cart, wh.warehouse_id):
                continue
            out.any_stock = True
            if d <= self.policy.same_day_reach_m:
                out.same_day.append((wh, d))
            if d <= self.policy.next_day_reach_m:
                out.next_day.append((wh, d))
        return out

    def _open_same_day(self, sourcing: _Sourcing, local_now: datetime) -> list[Warehouse]:
        return [wh for wh, _ in sourcing.same_day if local_now.time() < wh.same_day_cutoff]

    def _insert(
        self,
        plan: DayPlanIndex,
        cart: Cart,
        point: GeoPoint,
        depots: list[str],
        ready: datetime,
        windows: list[tuple[datetime, datetime]],
        slowdown: float,
    ) -> list[Insertion | None]:
        arr = np.array([[a.timestamp(), b.timestamp()] for a, b in windows], dtype=np.float64)
        return plan.best_insertions(
            point,
            ready_at=ready.timestamp(),
            depots=depots,
            parcels=cart.parcels,
            weight_kg=cart.weight_kg,
            windows=arr,
            slowdown=slowdown,
        )

    def _same_day(
        self,
        sourcing: _Sourcing,
        open_whs: list[Warehouse],
        plan: DayPlanIndex | None,
        local_now: datetime,
        found: Insertion | None,
    ) -> PromiseOption | Refusal:
        if not sourcing.same_day:
            return Refusal(
                SAME,
                Unavailable.NO_STOCK_IN_REACH,
                "no warehouse within same-day reach has every item in stock",
            )
        if not open_whs:
            cutoff = min(wh.same_day_cutoff for wh, _ in sourcing.same_day)
            return Refusal(
                SAME, Unavailable.CUTOFF_PASSED, f"the same-day cut-off ({cutoff:%H:%M}) has passed"
            )
        if plan is None:
            return Refusal(SAME, Unavailable.NO_PLAN, "no routes are planned today")
        if found is None:
            return Refusal(
                SAME,
                Unavailable.NO_ROUTE_CAPACITY,
                "today's routes have no room left near this address",
            )
        today = local_now.date()
        tz = self.policy.tz
        ready = local_now + self.policy.handling
        arrival = datetime.fromtimestamp(found.arrival, tz)
        step = timedelta(minutes=15)
        start = max(_floor(arrival - self.policy.eta_half_width, step), _ceil(ready, step))
        end = max(_ceil(arrival + self.policy.eta_half_width, step), start + step)
        price = self.cost.price(SAME, detour_m=found.detour_m, detour_s=found.detour_s)
        return PromiseOption(
            SAME,
            today,
            TimeWindow(start, end),
            price,
            found.depot_id,
            found.route_id,
            found.detour_s,
        )

    def _slot_grid(self, day: date) -> list[tuple[datetime, datetime]]:
        tz = self.policy.tz
        start = datetime.combine(day, self.policy.first_slot, tz)
        last = datetime.combine(day, self.policy.last_slot_end, tz)
        grid = []
        while start + self.policy.slot_length <= last:
            grid.append((start, start + self.policy.slot_length))
            start += self.policy.slot_length
        return grid

    def _slots(
        self,
        cart: Cart,
        point: GeoPoint,
        sourcing: _Sourcing,
        local_now: datetime,
        slowdown: float,
        today_found: list[tuple[tuple[datetime, datetime], Insertion | None]],
    ) -> tuple[list[PromiseOption], Refusal]:
        today = local_now.date()
        options: list[PromiseOption] = []
        reason = Refusal(SLOT, Unavailable.NO_PLAN, "no routes are planned for the coming days")
        for day in (today, today + timedelta(days=1)):
            plan = self.plans.get(day)
            if plan is None:
                continue
            if day == today:
                whs = self._open_same_day(sourcing, local_now)
                ready = local_now + self.policy.handling
            else:
                whs = [wh for wh, _ in sourcing.next_day if local_now.time() < wh.next_day_cutoff]
                ready = local_now
            if not whs:
                reason = Refusal(
                    SLOT,
                    Unavailable.NO_STOCK_IN_REACH
                    if not sourcing.same_day
                    else Unavailable.CUTOFF_PASSED,
                    "no warehouse can still ship to this address in a slot",
                )
                continue
            if day == today:
                pairs = today_found
            else:
                grid = [(a, b) for a, b in self._slot_grid(day) if b > ready]
                found = self._insert(
                    plan, cart, point, [w.warehouse_id for w in whs], ready, grid, slowdown
                )
                pairs = list(zip(grid, found, strict=True))
            for (a, b), ins in pairs:
                if ins is None:
                    continue
                price = self.cost.price(SLOT, detour_m=ins.detour_m, detour_s=ins.detour_s)
                window = TimeWindow(a, b)
                options.append(
                    PromiseOption(
                        SLOT,
                        day,
                        window,
                        price,
                        ins.depot_id,
                        ins.route_id,
                        ins.detour_s,
                        slot=window,
                    )
                )
            if not options:
                reason = Refusal(
                    SLOT,
                    Unavailable.NO_ROUTE_CAPACITY,
                    "the planned routes have no slot left near this address",
                )
        return options, reason

    def _next_day(
        self, point: GeoPoint, sourcing: _Sourcing, local_now: datetime, today: date
    ) -> PromiseOption | Refusal:
        if not sourcing.next_day:
            code = Unavailable.NO_STOCK_IN_REACH if sourcing.any_stock else Unavailable.NO_STOCK
            return Refusal(NEXT, code, "no warehouse within reach has every item in stock")
        open_whs = [(wh, d) for wh, d in sourcing.next_day if local_now.time() < wh.next_day_cutoff]
        if not open_whs:
            cutoff = min(wh.next_day_cutoff for wh, _ in sourcing.next_day)
            return Refusal(
                NEXT, Unavailable.CUTOFF_PASSED, f"the next-day cut-off ({cutoff:%H:%M}) has passed"
            )
        wh, dist = open_whs[0]
        tomorrow = today + timedelta(days=1)
        tz = self.policy.tz
        window = TimeWindow(
            datetime.combine(tomorrow, self.policy.first_slot, tz),
            datetime.combine(tomorrow, self.policy.last_slot_end, tz),
        )
        price = self.cost.price(NEXT, haul_m=dist)
        return PromiseOption(NEXT, tomorrow, window, price, wh.warehouse_id)
