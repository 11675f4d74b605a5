"""A small simulated day on the shipped Baltimore extract, with the real solver."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from lastmile.domain import OrderStatus
from lastmile.sim.day import run_day
from lastmile.sim.kpis import as_dict, compute
from lastmile.sim.osm_places import OsmPlaces, read_places
from lastmile.sim.records import Budget, DayResult, End, Policy
from lastmile.sim.scenario import Scenario, ScenarioConfig, default_osm_path, generate
from lastmile.sim.world import World, build_world

SMALL = ScenarioConfig(orders=60, vans=4, seed=11)
FAST = Budget(wave_iterations=15, reopt_iterations=10)


@pytest.fixture(scope="module")
def places() -> OsmPlaces:
    return read_places(default_osm_path())


@pytest.fixture(scope="module")
def world(places: OsmPlaces) -> World:
    return build_world(generate(SMALL, places=places))


@pytest.fixture(scope="module")
def day(world: World) -> DayResult:
    return run_day(world, budget=FAST)


def _fingerprint(scenario: Scenario) -> list[tuple[object, ...]]:
    return [
        (
            o.order_id,
            o.address.raw,
            o.option,
            o.window,
            o.placed_at,
            tuple((ln.sku_id, ln.quantity) for ln in o.lines),
        )
        for o in scenario.orders
    ]


def test_the_same_seed_draws_the_same_scenario(places: OsmPlaces, world: World) -> None:
    again = generate(SMALL, places=places)
    assert _fingerprint(again) == _fingerprint(world.scenario)
    assert again.stock == world.scenario.stock
    assert again.truth == world.scenario.truth
    assert [w.location for w in again.warehouses] == [w.location for w in world.scenario.warehouses]


def test_another_seed_draws_another_scenario(places: OsmPlaces, world: World) -> None:
    other = generate(replace(SMALL, seed=12), places=places)
    assert _fingerprint(other) != _fingerprint(world.scenario)


def test_the_same_seed_gives_the_same_day(world: World, day: DayResult) -> None:
    again = run_day(world, budget=FAST)
    assert {k: (e.end, e.reason, e.delivered_at_s) for k, e in again.ends.items()} == {
        k: (e.end, e.reason, e.delivered_at_s) for k, e in day.ends.items()
    }
    assert [[s.shipment.shipment_id for s in r.stops] for r in again.routes] == [
        [s.shipment.shipment_id for s in r.stops] for r in day.routes
    ]
    assert as_dict(compute(again)) == as_dict(compute(day))


def test_every_order_ends_the_day_once_with_a_reason_unless_delivered(
    world: World, day: DayResult
) -> None:
    assert set(day.ends) == {o.order_id for o in world.scenario.orders}
    for order_id, end in day.ends.items():
        assert end.end in End
        if end.end is not End.DELIVERED:
            assert end.reason, f"{order_id} ends {end.end} without a reason"
            assert not end.reason.startswith("still "), end.reason
    assert Counter(e.end for e in day.ends.values())[End.DELIVERED] > 0


def test_no_parcel_is_lost_or_delivered_twice(day: DayResult) -> None:
    delivered: Counter[str] = Counter()
    carried: Counter[str] = Counter()
    for route in day.routes:
        for stop in route.stops:
            carried.update(p.parcel_id for p in stop.shipment.parcels)
            delivered.update(stop.delivered)
            assert set(stop.delivered).isdisjoint(stop.failed)
            assert set(stop.proofs) == set(stop.delivered)
    assert max(carried.values(), default=1) == 1, "a parcel rode on two stops"
    assert max(delivered.values(), default=1) == 1, "an order part was delivered twice"
    for order_id, end in day.ends.items():
        if end.end is End.DELIVERED:
            assert delivered[order_id] >= 1


def test_every_delivery_has_proof_inside_the_geofence(day: DayResult) -> None:
    proofs = [p for r in day.routes for s in r.stops for p in s.proofs.values()]
    assert proofs
    assert all(p.geofence_ok and p.token for p in proofs)


def test_a_day_with_zero_orders_runs_and_reports(places: OsmPlaces) -> None:
    world = build_world(generate(replace(SMALL, orders=0), places=places))
    result = run_day(world, budget=FAST)
    kpis = as_dict(compute(result))
    assert result.ends == {}
    assert result.routes == []
    assert kpis["on_time_pct"] == 0.0 and kpis["km_total"] == 0.0


def test_orders_beyond_the_fleets_capacity_are_carried_over_with_a_reason(
    places: OsmPlaces,
) -> None:
    tight = replace(SMALL, orders=80, vans=1, van_capacity_parcels=12)
    result = run_day(build_world(generate(tight, places=places)), budget=FAST)
    over = [e for e in result.ends.values() if e.end is End.CARRIED_OVER and "fleet" in e.reason]
    assert over, "an overfull day must carry orders over"
    for route in result.routes:
        assert sum(s.parcels for s in route.stops) <= 12
    delivered = [e for e in result.ends.values() if e.end is End.DELIVERED]
    assert delivered


def test_every_policy_keeps_the_order_books_consistent(world: World) -> None:
    for policy in (
        Policy(single_warehouse=True),
        Policy(consolidate=False),
        Policy(reoptimize=False),
        Policy(route_aware_sourcing=False),
    ):
        result = run_day(world, policy, budget=FAST)
        assert set(result.ends) == {o.order_id for o in world.scenario.orders}
        assert all(e.reason for e in result.ends.values() if e.end is not End.DELIVERED)


def test_domain_orders_of_the_scenario_are_never_mutated(world: World, day: DayResult) -> None:
    assert all(o.status is OrderStatus.CREATED and not o.events for o in world.scenario.orders)


def test_the_day_does_not_depend_on_the_sourcing_safety_time_limit(
    world: World, day: DayResult
) -> None:
    # Sourcing stops on MIP nodes; its seconds are only a cap a slow machine never meets.
    other = run_day(world, budget=replace(FAST, sourcing_s=30.0))
    assert {k: (e.end, e.reason) for k, e in other.ends.items()} == {
        k: (e.end, e.reason) for k, e in day.ends.items()
    }
    assert "contested" in day.capabilities["sourcing"]


def test_checkout_asks_the_products_promise_desk(day: DayResult) -> None:
    assert day.capabilities["promise"].startswith("lastmile.services.promise.PromiseDesk")
    late_same_day = [
        o
        for o in day.orders
        if o.placed_at.astimezone(o.placed_at.tzinfo).hour >= 12 and o.option.value == "same_day"
    ]
    for o in late_same_day:
        end = day.ends[o.order_id]
        assert end.end is End.CARRIED_OVER
