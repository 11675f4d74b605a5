"""The vectorised insertion search agrees with a plain loop over the same route."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lastmile.domain import GeoPoint, Route, Stop
from lastmile.promise import DayPlanIndex, PlannedRoute, TravelModel

from .builders import DEPOT, at, van

TRAVEL = TravelModel()


def _route(offsets: list[tuple[float, float]], slack_min: list[int]) -> PlannedRoute:
    t, prev, stops, deadlines = at(13), DEPOT, [], {}
    for i, (dlat, dlon) in enumerate(offsets):
        p = GeoPoint(DEPOT.lat + dlat, DEPOT.lon + dlon)
        t += timedelta(seconds=prev.distance_m(p) * TRAVEL.detour_factor / TRAVEL.m_per_s)
        stops.append(Stop(f"s{i}", p, [f"sh{i}"], t, t + timedelta(seconds=TRAVEL.service_s)))
        deadlines[f"s{i}"] = t + timedelta(minutes=slack_min[i])
        t += timedelta(seconds=TRAVEL.service_s)
        prev = p
    return PlannedRoute(Route("R", "V", "W1", stops), van("V"), DEPOT, at(13), deadlines)


def _secs(a: GeoPoint, b: GeoPoint) -> float:
    return a.distance_m(b) * TRAVEL.detour_factor / TRAVEL.m_per_s


coord = st.floats(-0.02, 0.02, allow_nan=False)


@settings(max_examples=60, deadline=None)
# A detour equal to a stop's slack up to float noise (found by hypothesis).
@example(
    offsets=[(0.0, -0.01171875), (0.0, 0.0)], slack=[0, 3, 0, 0, 0, 0, 0, 0], new=(0.0, -0.0078125)
)
@given(
    offsets=st.lists(st.tuples(coord, coord), min_size=1, max_size=8),
    slack=st.lists(st.integers(0, 40), min_size=8, max_size=8),
    new=st.tuples(coord, coord),
)
def test_a_found_insertion_keeps_every_later_deadline_and_none_is_missed(
    offsets: list[tuple[float, float]], slack: list[int], new: tuple[float, float]
) -> None:
    planned = _route(offsets, slack)
    index = DayPlanIndex([planned])
    point = GeoPoint(DEPOT.lat + new[0], DEPOT.lon + new[1])
    wide = np.array([[at(0).timestamp(), at(23).timestamp()]])
    (found,) = index.best_insertions(
        point, ready_at=at(12).timestamp(), depots=["W1"], parcels=1, weight_kg=1.0, windows=wide
    )
    stops = planned.route.stops
    nodes = [DEPOT, *(s.location for s in stops), DEPOT]
    departs = [at(13).timestamp(), *(s.departure.timestamp() for s in stops)]
    arrivals = [s.arrival.timestamp() for s in stops]
    deadlines = [planned.deadlines[s.stop_id].timestamp() for s in stops]  # type: ignore[index]
    back = departs[-1] + _secs(nodes[-2], DEPOT)
    shift_end = planned.vehicle.shift.end.timestamp()
    # A delay within float noise of a deadline may go either way (the index and this loop
    # compute distances with different formulas): "clearly" and "barely" feasible.
    eps = 1e-6
    clearly, barely = [], []
    for k in range(len(nodes) - 1):  # insert between node k and node k + 1
        delay = (
            _secs(nodes[k], point)
            + TRAVEL.service_s
            + _secs(point, nodes[k + 1])
            - _secs(nodes[k], nodes[k + 1])
        )
        for margin, into in ((-eps, clearly), (eps, barely)):
            later = [arrivals[i] + delay <= deadlines[i] + margin for i in range(k, len(stops))]
            if all(later) and back + delay <= shift_end + margin:
                into.append((delay, k))
    if found is None:
        assert not clearly
    else:
        assert found.position in {k for _, k in barely}
        if clearly:
            assert found.detour_s <= min(d for d, _ in clearly) + eps
