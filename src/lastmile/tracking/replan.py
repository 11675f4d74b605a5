"""Re-optimising the rest of one route in flight: the van keeps its position and its load.

When routing's multi-van re-optimisation (``lastmile.routing.reoptimize``) is wired in by
the composition root it replaces this; this one needs no solver: it reorders the open
stops of each van with 2-opt on the travel matrix *as it is now*, completed stops fixed,
so a closure that cuts the planned order is driven around when another order is faster.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from lastmile.domain.geo import GeoPoint
from lastmile.domain.route import Route
from lastmile.geo.travel import TravelTimeSource
from lastmile.tracking.eta import OPEN, retime

LATE_PENALTY = 10.0  # one second late costs as much as ten seconds of driving


class Replanner(Protocol):
    """Re-optimises routes in flight, each van from its position at ``now``."""

    def replan(
        self,
        routes: Sequence[Route],
        *,
        positions: Mapping[str, GeoPoint],
        now: datetime,
        travel: TravelTimeSource,
        deadlines: Mapping[str, datetime],
    ) -> list[Route]:
        """Return the routes with open stops reordered (possibly across vans) and re-timed.

        ``positions`` maps vehicle ids to where each van is; ``deadlines`` stop ids to the
        end of their promised window. Completed stops stay where they are.
        """
        ...


def _cost(
    order: list[int],
    dur: NDArray[np.float64],
    service: NDArray[np.float64],
    due: NDArray[np.float64],
) -> float:
    t, here, total = 0.0, 0, 0.0
    for k in order:
        leg = dur[here, k]
        if not math.isfinite(leg):
            return math.inf
        t += leg
        total += leg + LATE_PENALTY * max(0.0, t - due[k])
        t += service[k]
        here = k
    return total


class TwoOptReplanner:
    """Reorders each route's open stops by 2-opt on travel time plus lateness."""

    def __init__(self, max_passes: int = 20) -> None:
        self.max_passes = max_passes

    def replan(
        self,
        routes: Sequence[Route],
        *,
        positions: Mapping[str, GeoPoint],
        now: datetime,
        travel: TravelTimeSource,
        deadlines: Mapping[str, datetime],
    ) -> list[Route]:
        """Return each route reordered where that is faster now, then re-timed."""
        return [
            self.replan_one(
                r, position=positions[r.vehicle_id], now=now, travel=travel, deadlines=deadlines
            )
            for r in routes
        ]

    def replan_one(
        self,
        route: Route,
        *,
        position: GeoPoint,
        now: datetime,
        travel: TravelTimeSource,
        deadlines: Mapping[str, datetime],
    ) -> Route:
        """Return one route reordered where that is faster now, then re-timed."""
        open_idx = [i for i, s in enumerate(route.stops) if s.status in OPEN]
        if len(open_idx) < 2:
            return retime(route, position=position, now=now, travel=travel).route
        stops = [route.stops[i] for i in open_idx]
        matrix = travel.matrix([position, *(s.location for s in stops)], depart_at=now)
        dur = matrix.durations_s
        n = len(stops)
        service = np.array(
            [0.0] + [(s.departure - s.arrival).total_seconds() - s.waiting_s for s in stops]
        )
        due = np.array(
            [math.inf]
            + [
                (deadlines[s.stop_id] - now).total_seconds() if s.stop_id in deadlines else math.inf
                for s in stops
            ]
        )
        order = list(range(1, n + 1))
        best = _cost(order, dur, service, due)
        for _ in range(self.max_passes):
            improved = False
            for i in range(n - 1):
                for j in range(i + 1, n):
                    cand = order[:i] + order[i : j + 1][::-1] + order[j + 1 :]
                    c = _cost(cand, dur, service, due)
                    if c < best - 1e-6:
                        order, best, improved = cand, c, True
            if not improved:
                break
        reordered = [stops[k - 1] for k in order]
        done = [s for s in route.stops if s.status not in OPEN]
        out = replace(route, stops=[*done, *reordered])
        return retime(out, position=position, now=now, travel=travel).route
