"""The day's numbers: service, cost, carbon, stock, and the addresses caught in time."""

from __future__ import annotations

from dataclasses import dataclass

from lastmile.sim.records import DayResult, End


@dataclass(frozen=True)
class Kpi:
    """One figure with its unit and which way is better."""

    key: str
    label: str
    value: float
    unit: str
    higher_is_better: bool


def compute(result: DayResult) -> list[Kpi]:
    """Return every KPI of a simulated day."""
    ends = result.ends.values()
    vans = {v.vehicle_id: v for v in result.scenario.vehicles}
    delivered = [e for e in ends if e.end is End.DELIVERED]
    attempted = [e for e in ends if e.end in (End.DELIVERED, End.FAILED)]
    parcels = 0
    drops = 0
    km = hours = cost = co2_kg = 0.0
    for route in result.routes:
        van = vans[route.vehicle_id]
        end = route.end_s if route.end_s is not None else route.clock_s
        route_h = max(0.0, end - route.depart_s) / 3600.0
        route_km = route.distance_m / 1000.0
        km += route_km
        hours += route_h
        cost += van.fixed_cost + van.cost_per_km * route_km + van.cost_per_hour * route_h
        co2_kg += van.co2_g_per_km * route_km / 1000.0
        for stop in route.stops:
            if stop.delivered:
                drops += 1
                mine = {
                    p.parcel_id
                    for p in stop.shipment.parcels
                    if any(i.order_id in stop.delivered for i in p.items)
                }
                parcels += len(mine)
    relevant = [e for e in ends if e.end is not End.CANCELLED]
    handled = result.address_errors_held + result.address_errors_corrected
    wrong_door = sum(1 for e in ends if e.end is End.FAILED and "address not found" in e.reason)
    per_parcel = max(parcels, 1)
    return [
        Kpi(
            "on_time_pct",
            "on-time delivery",
            _pct(sum(1 for e in delivered if e.on_time), len(delivered)),
            "%",
            True,
        ),
        Kpi(
            "delivered_pct",
            "orders delivered today",
            _pct(len(delivered), len(relevant)),
            "%",
            True,
        ),
        Kpi(
            "first_attempt_pct",
            "first-attempt success",
            _pct(len(delivered), len(attempted)),
            "%",
            True,
        ),
        Kpi(
            "eta_hit_pct",
            "arrived within 30 min of the ETA",
            _pct(sum(1 for e in delivered if e.eta_hit), len(delivered)),
            "%",
            True,
        ),
        Kpi(
            "eta_error_min",
            "mean gap between arrival and last ETA",
            sum(e.eta_error_s or 0.0 for e in delivered) / 60.0 / max(len(delivered), 1),
            "min",
            False,
        ),
        Kpi("km_per_parcel", "km per parcel", km / per_parcel, "km", False),
        Kpi(
            "hours_per_parcel", "driver minutes per parcel", 60.0 * hours / per_parcel, "min", False
        ),
        Kpi("cost_per_drop", "cost per drop", cost / max(drops, 1), "USD", False),
        Kpi("co2_per_parcel", "CO2 per parcel", 1000.0 * co2_kg / per_parcel, "g", False),
        Kpi(
            "cost_per_order",
            "delivery cost per order delivered",
            cost / max(len(delivered), 1),
            "USD",
            False,
        ),
        Kpi("km_per_order", "km per order delivered", km / max(len(delivered), 1), "km", False),
        Kpi(
            "co2_per_order",
            "CO2 per order delivered",
            1000.0 * co2_kg / max(len(delivered), 1),
            "g",
            False,
        ),
        Kpi(
            "parcels_per_route",
            "parcels per route",
            parcels / max(len(result.routes), 1),
            "parcels",
            True,
        ),
        Kpi("routes", "routes driven", float(len(result.routes)), "routes", False),
        Kpi("km_total", "km driven", km, "km", False),
        Kpi("cost_total", "delivery cost", cost, "USD", False),
        Kpi(
            "stockout_lines",
            "order lines backordered (stockout)",
            float(result.stockout_lines),
            "lines",
            False,
        ),
        Kpi(
            "fill_rate_pct",
            "fill rate (units allocated / requested)",
            _pct(result.units_shipped, result.units_ordered),
            "%",
            True,
        ),
        Kpi(
            "empty_shelves",
            "SKU-warehouse pairs empty at day end",
            float(result.empty_shelves_end),
            "pairs",
            False,
        ),
        Kpi(
            "address_caught_pct",
            "address errors caught or corrected before dispatch",
            _pct(handled, result.address_errors),
            "%",
            True,
        ),
        Kpi(
            "address_held",
            "orders held for address review",
            float(len(result.address_flags)),
            "orders",
            False,
        ),
        Kpi(
            "address_wrong_door",
            "deliveries failed at a wrong geocode",
            float(wrong_door),
            "orders",
            False,
        ),
        Kpi("reorder_lines", "reorder suggestions", float(len(result.reorder)), "lines", False),
    ]


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0


def as_dict(kpis: list[Kpi]) -> dict[str, float]:
    """Return ``{key: value}``."""
    return {k.key: k.value for k in kpis}
