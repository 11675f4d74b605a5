"""Order a pick list along a short walk through the aisles.

Every order is scored the same way: the picker starts and ends at the depot and walks the
shortest way between consecutive picks (``layout.walk_matrix``). The methods:

``naive``        the order the lines came in (what a paper pick list does);
``s_shape``      aisles left to right, up one aisle and down the next;
``largest_gap``  out along the first aisle and the back cross-aisle, back along the front,
                 entering each middle aisle from the side that avoids its largest gap;
``tsp``          OR-Tools routing search on the walking matrix, started from the best of
                 the above; lists longer than ``tsp_max`` fall back to the best heuristic;
``best``         the shortest of all of these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from lastmile.domain import InvalidValue
from lastmile.fulfillment.layout import BinLocation, Layout, positions, walk_matrix


class PickMethod(StrEnum):
    NAIVE = "naive"
    S_SHAPE = "s_shape"
    LARGEST_GAP = "largest_gap"
    TSP = "tsp"
    BEST = "best"


@dataclass(frozen=True)
class PickPath:
    """A pick list in walking order: indices into the list given, and the metres walked."""

    order: tuple[int, ...]
    distance_m: float
    method: PickMethod


def route_length(dist: NDArray[np.float64], order: Sequence[int]) -> float:
    """Return depot -> picks in ``order`` -> depot, with the depot as row 0."""
    stops = [0, *(i + 1 for i in order), 0]
    return float(sum(dist[a, b] for a, b in pairwise(stops)))


def _aisles(bins: Sequence[BinLocation]) -> dict[int, list[int]]:
    by_aisle: dict[int, list[int]] = {}
    for i, b in enumerate(bins):
        by_aisle.setdefault(b.aisle, []).append(i)
    return dict(sorted(by_aisle.items()))


def s_shape(bins: Sequence[BinLocation]) -> list[int]:
    """Return the S-shape order: up the first aisle with picks, down the next, and so on."""
    out: list[int] = []
    for k, idx in enumerate(_aisles(bins).values()):
        idx.sort(key=lambda i: (bins[i].bay, bins[i].level), reverse=k % 2 == 1)
        out.extend(idx)
    return out


def largest_gap(bins: Sequence[BinLocation], layout: Layout) -> list[int]:
    """Return the largest-gap order (Hall 1993) for a single-block layout."""
    aisles = _aisles(bins)
    keys = list(aisles)
    if len(keys) == 1:
        return sorted(aisles[keys[0]], key=lambda i: bins[i].bay)
    first, last, middle = keys[0], keys[-1], keys[1:-1]
    n_bays = layout.bays_per_aisle
    out = sorted(aisles[first], key=lambda i: bins[i].bay)
    front_parts: list[list[int]] = []
    for a in middle:
        idx = sorted(aisles[a], key=lambda i: bins[i].bay)
        # Gaps: front aisle end to first pick, between picks, last pick to back end.
        stops = [-1, *(bins[i].bay for i in idx), n_bays]
        gaps = [stops[j + 1] - stops[j] for j in range(len(stops) - 1)]
        cut = int(np.argmax(gaps))  # picks before the gap come from the front
        front_parts.append(idx[:cut])
        out.extend(reversed(idx[cut:]))
    out.extend(sorted(aisles[last], key=lambda i: bins[i].bay, reverse=True))
    for part in reversed(front_parts):
        out.extend(part)
    return out


def _tsp(dist: NDArray[np.float64], start: Sequence[int], time_limit_s: float) -> list[int]:
    n = dist.shape[0]
    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    # The solver wants integers: centimetres keep the walk exact enough.
    cm = np.rint(dist * 100).astype(np.int64).tolist()

    def cost(i: int, j: int) -> int:
        return int(cm[manager.IndexToNode(i)][manager.IndexToNode(j)])

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(cost))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    routing.CloseModelWithParameters(params)
    initial = routing.ReadAssignmentFromRoutes([[i + 1 for i in start]], True)
    solution = (
        routing.SolveWithParameters(params)
        if initial is None
        else routing.SolveFromAssignmentWithParameters(initial, params)
    )
    if solution is None:
        return list(start)
    out: list[int] = []
    index = routing.Start(0)
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        if node:
            out.append(node - 1)
        index = solution.Value(routing.NextVar(index))
    return out


def order_picks(
    layout: Layout,
    bins: Sequence[BinLocation],
    method: PickMethod = PickMethod.BEST,
    *,
    tsp_max: int = 60,
    tsp_time_limit_s: float = 0.05,
) -> PickPath:
    """Return the pick list ``bins`` in walking order by ``method``.

    Parameters
    ----------
    layout
        The warehouse layout the bins belong to.
    bins
        The bin of each pick, in order-line order.
    method
        How to order the picks; ``BEST`` returns the shortest of every method.
    tsp_max, tsp_time_limit_s
        The routing search runs only on lists up to ``tsp_max`` picks, for this long.

    Returns
    -------
    PickPath
        Indices into ``bins`` in walking order and the walk in metres, depot to depot.
    """
    for b in bins:
        layout.check(b)
    if not bins:
        return PickPath((), 0.0, method)
    depot = np.zeros((1, 2))
    dist = walk_matrix(layout, np.vstack([depot, positions(layout, bins)]))
    naive = list(range(len(bins)))
    candidates: dict[PickMethod, list[int]] = {PickMethod.NAIVE: naive}
    if method is not PickMethod.NAIVE:
        candidates[PickMethod.S_SHAPE] = s_shape(bins)
        candidates[PickMethod.LARGEST_GAP] = largest_gap(bins, layout)
    if method in (PickMethod.TSP, PickMethod.BEST):
        seed = min(candidates.values(), key=lambda o: route_length(dist, o))
        searched = _tsp(dist, seed, tsp_time_limit_s) if len(bins) <= tsp_max else seed
        candidates[PickMethod.TSP] = min(searched, seed, key=lambda o: route_length(dist, o))
    if method is PickMethod.BEST:
        chosen = min(candidates, key=lambda m: route_length(dist, candidates[m]))
    elif method in candidates:
        chosen = method
    else:
        raise InvalidValue("method", f"{method!r} not understood.")
    order = candidates[chosen]
    return PickPath(tuple(order), route_length(dist, order), chosen)
