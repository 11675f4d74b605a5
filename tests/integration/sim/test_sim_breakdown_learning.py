"""A day with a broken-down van, and a second day that geocodes from the first's deliveries."""

from __future__ import annotations

import pytest

from lastmile.domain import GeocodeMethod
from lastmile.geo.corrections import InMemoryCorrections
from lastmile.sim.breakdown import NOT_REPLANNED, REASON
from lastmile.sim.day import run_day
from lastmile.sim.learning import learn_from_day
from lastmile.sim.records import Budget, DayResult, End, Policy
from lastmile.sim.scenario import ScenarioConfig, default_osm_path, generate
from lastmile.sim.world import World, build_world

CONFIG = ScenarioConfig(orders=120, vans=4, seed=11, osm_path=default_osm_path())
FAST = Budget(wave_iterations=15, reopt_iterations=10)


@pytest.fixture(scope="module")
def store() -> InMemoryCorrections:
    return InMemoryCorrections()


@pytest.fixture(scope="module")
def world(store: InMemoryCorrections) -> World:
    return build_world(generate(CONFIG), corrections=store)


@pytest.fixture(scope="module")
def day(world: World) -> DayResult:
    return run_day(world, budget=FAST)


@pytest.fixture(scope="module")
def no_replan(world: World) -> DayResult:
    return run_day(world, Policy("no re-optimisation", reoptimize=False), budget=FAST)


def _delivered(result: DayResult) -> int:
    return sum(1 for e in result.ends.values() if e.end is End.DELIVERED)


def test_a_first_wave_van_breaks_down_at_the_closure(world: World, day: DayResult) -> None:
    broken = [r for r in day.routes if r.broke_down_s is not None]
    assert len(broken) == 1
    assert broken[0].wave == 1
    assert broken[0].broke_down_s == world.scenario.disruption.closure_start_s


def test_re_optimisation_sends_the_broken_vans_parcels_out_on_the_second_wave(
    day: DayResult,
) -> None:
    recovered = [o for o in day.orders if any(e.data.get("reason") == REASON for e in o.events)]
    assert recovered, "the broken van had parcels left"
    ends = [day.ends[o.order_id].end for o in recovered]
    assert End.DELIVERED in ends
    second_wave = {oid for r in day.routes if r.wave == 2 for s in r.stops for oid in s.delivered}
    assert {o.order_id for o in recovered} & second_wave


def test_without_re_optimisation_the_broken_vans_parcels_wait_for_tomorrow(
    day: DayResult, no_replan: DayResult
) -> None:
    stranded = [e for e in no_replan.ends.values() if e.reason == NOT_REPLANNED]
    assert stranded
    assert all(e.end is End.CARRIED_OVER for e in stranded)
    assert _delivered(day) > _delivered(no_replan)


def test_an_address_delivered_on_day_one_geocodes_from_the_delivery_on_day_two(
    world: World, day: DayResult, store: InMemoryCorrections
) -> None:
    learned = learn_from_day(day, world.geocoder)
    assert learned.accepted > 0 and len(store) > 0
    delivered = [oid for oid, e in day.ends.items() if e.end is End.DELIVERED]
    before = {oid: world.intake[oid][0].geocode for oid in delivered}
    assert all(
        g is not None and g.method is not GeocodeMethod.DELIVERY_FIX for g in before.values()
    )

    day_two = build_world(world.scenario, corrections=store)

    after = {oid: day_two.intake[oid][0].geocode for oid in delivered}
    fixed = [
        oid for oid, g in after.items() if g is not None and g.method is GeocodeMethod.DELIVERY_FIX
    ]
    assert len(fixed) >= learned.accepted // 2
    truth = world.scenario.truth
    # A learned door is where the driver stood, within GPS error of the real door.
    for oid in fixed:
        point = after[oid].point  # type: ignore[union-attr]
        assert point.distance_m(truth[oid].point) < 60.0
