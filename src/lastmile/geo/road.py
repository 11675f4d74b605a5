"""Travel times on real roads: the ``TravelTimeSource`` backed by an OSM road network.

Bulk many-to-many shortest paths run with ``scipy.sparse.csgraph.dijkstra`` on the
junction graph (see ``contraction``). Matrices are cached by (network, points, time
profile, weather); when only road events changed since a cached matrix, only the
rows whose shortest-path trees used a changed junction-to-junction arc are recomputed.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from lastmile.domain.geo import GeoPoint, haversine_m
from lastmile.geo.conditions import Conditions
from lastmile.geo.contraction import INF, Contraction, decode, encode
from lastmile.geo.network import PointOutsideNetwork, RoadNetwork, Snap
from lastmile.geo.parallel import dijkstra_rows
from lastmile.geo.travel import HaversineTravelTimes, StraightLineEstimateWarning, TravelMatrix


@dataclass
class _Trees:
    """Shortest-path trees from the exit junctions of one point set, for reuse."""

    pair_weight: NDArray[np.float64]
    junctions: NDArray[np.int64]  # junction index per row
    rows: NDArray[np.float64]  # (len(junctions) + 1, junction_count + 1), padded with inf
    row_of_junction: NDArray[np.int64]


@dataclass(frozen=True)
class MatrixStats:
    """How the last matrix was obtained: from the cache, incrementally, or in full."""

    how: str
    rows_total: int
    rows_recomputed: int


class RoadTravelTimes:
    """Travel times and distances on a road network, honouring ``Conditions``.

    Parameters
    ----------
    network
        The road network (see ``load_network``).
    conditions
        Traffic profile, weather and road events; a free-flowing clear-weather default.
    max_snap_m
        Points farther than this from any road are refused (``PointOutsideNetwork``);
        when *every* point is that far, the straight-line ``fallback`` answers instead,
        with a ``StraightLineEstimateWarning``.
    access_speed_kmh
        Speed over the gap between a point and its snapped node (a driveway, a yard).
    cache_size
        Matrices kept for reuse.
    fallback
        Source used when no point is covered; ``None`` refuses instead.
    workers
        Processes for the bulk Dijkstra: 2 forks a helper for half of the rows (POSIX
        only; worth it from a few hundred points). 1 keeps everything in this process.
    """

    def __init__(
        self,
        network: RoadNetwork,
        *,
        conditions: Conditions | None = None,
        max_snap_m: float = 1_000.0,
        access_speed_kmh: float = 10.0,
        cache_size: int = 3,
        fallback: HaversineTravelTimes | None = None,
        workers: int = 1,
    ) -> None:
        if max_snap_m <= 0:
            raise ValueError(f"max_snap_m {max_snap_m} <= 0 not understood.")
        if workers not in (1, 2):
            raise ValueError(f"workers {workers} not understood; use 1 or 2.")
        if access_speed_kmh <= 0:
            raise ValueError(f"access_speed_kmh {access_speed_kmh} <= 0 not understood.")
        self.network = network
        self.conditions = conditions if conditions is not None else Conditions()
        self.max_snap_m = max_snap_m
        self.access_speed_kmh = access_speed_kmh
        self.fallback = fallback if fallback is not None else HaversineTravelTimes()
        self.cache_size = cache_size
        self.workers = workers
        self.contraction = Contraction(network.node_count, network.edge_u, network.edge_v)
        self._cache: OrderedDict[tuple[object, ...], _Trees] = OrderedDict()
        self._lock = threading.Lock()
        self.last_stats = MatrixStats("none", 0, 0)

    # ------------------------------------------------------------------ weights
    def edge_weights(self, depart_at: datetime | None) -> NDArray[np.float64]:
        """Return the encoded weight of every edge for a departure at ``depart_at``."""
        factors = self.conditions.edge_speed_factors(self.network, depart_at)
        with np.errstate(divide="ignore"):
            time_s = np.where(factors > 0, self.network.free_flow_time_s / factors, INF)
        weights = encode(np.where(np.isfinite(time_s), time_s, 0.0), self.network.edge_length_m)
        return np.where(np.isfinite(time_s), weights, INF)

    def _junction_graph(self, pair_weight: NDArray[np.float64]) -> csr_matrix:
        c = self.contraction
        open_ = np.isfinite(pair_weight)
        n = c.junction_count
        return csr_matrix((pair_weight[open_], (c.pair_u[open_], c.pair_v[open_])), shape=(n, n))

    # ------------------------------------------------------------------ snapping
    def snap(self, points: Sequence[GeoPoint]) -> Snap:
        """Snap points to the network, refusing any beyond ``max_snap_m``."""
        snap = self.network.snap(points)
        far = np.flatnonzero(snap.distances_m > self.max_snap_m)
        if far.size:
            raise PointOutsideNetwork(far.tolist(), snap.distances_m[far].tolist(), self.max_snap_m)
        return snap

    # ------------------------------------------------------------------ matrices
    def matrix(
        self, points: Sequence[GeoPoint], *, depart_at: datetime | None = None
    ) -> TravelMatrix:
        """Return road travel times (s) and distances (m) between all ``points``.

        Parameters
        ----------
        points
            Positions; each is snapped to the nearest node of the network and the gap is
            driven at ``access_speed_kmh``.
        depart_at
            Departure time: picks the hour of the speed profile and the active events.
            The whole trip is priced at that hour (a static snapshot, not a
            time-dependent search); re-ask with a later ``depart_at`` for later legs.

        Raises
        ------
        PointOutsideNetwork
            When some (not all) points lie beyond ``max_snap_m`` from any road.
        """
        if len(points) == 0:
            return TravelMatrix(np.zeros((0, 0)), np.zeros((0, 0)))
        snap = self.network.snap(points)
        far = snap.distances_m > self.max_snap_m
        if far.all():
            if self.fallback is None:
                raise PointOutsideNetwork(
                    np.flatnonzero(far).tolist(), snap.distances_m.tolist(), self.max_snap_m
                )
            warnings.warn(
                f"no point is within {self.max_snap_m:,.0f} m of network {self.network.name}: "
                "falling back to straight-line estimates",
                StraightLineEstimateWarning,
                stacklevel=2,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", StraightLineEstimateWarning)
                return self.fallback.matrix(points, depart_at=depart_at)
        if far.any():
            idx = np.flatnonzero(far)
            raise PointOutsideNetwork(idx.tolist(), snap.distances_m[idx].tolist(), self.max_snap_m)
        weights = self.node_matrix(snap.nodes, depart_at=depart_at)
        time_s, dist_m = decode(weights)
        access_s = snap.distances_m / (self.access_speed_kmh / 3.6)
        durations, distances = time_s, dist_m  # fresh arrays: add the access legs in place
        durations += access_s[:, None]
        durations += access_s[None, :]
        distances += snap.distances_m[:, None]
        distances += snap.distances_m[None, :]
        same = snap.nodes[:, None] == snap.nodes[None, :]
        if same.any():
            ii, jj = np.nonzero(same)
            gap = np.array(
                [
                    haversine_m(points[i].lat, points[i].lon, points[j].lat, points[j].lon)
                    for i, j in zip(ii.tolist(), jj.tolist(), strict=True)
                ]
            )
            durations[ii, jj] = gap / (self.access_speed_kmh / 3.6)
            distances[ii, jj] = gap
        np.fill_diagonal(durations, 0.0)
        np.fill_diagonal(distances, 0.0)
        return TravelMatrix(durations_s=durations, distances_m=distances)

    def node_matrix(
        self, nodes: NDArray[np.int64], *, depart_at: datetime | None = None
    ) -> NDArray[np.float64]:
        """Return encoded shortest weights between network nodes (see ``contraction``)."""
        # One computation at a time: cached trees are updated in place. Correctness never
        # rests on the key: a cached entry is always diffed against the current weights.
        with self._lock:
            c = self.contraction
            arc_weight = self.edge_weights(depart_at)
            pair_weight = c.pair_weights(arc_weight)
            offsets = c.offsets(arc_weight)
            key = (
                self.network.fingerprint,
                hashlib.sha1(np.ascontiguousarray(nodes).tobytes()).hexdigest(),
                self.conditions.profile.key(depart_at),
                self.conditions.weather,
            )
            trees = self._cache.get(key)
            if trees is None:
                trees = self._full_trees(nodes, pair_weight)
                self.last_stats = MatrixStats("full", trees.junctions.size, trees.junctions.size)
            elif np.array_equal(trees.pair_weight, pair_weight):
                self.last_stats = MatrixStats("cache", trees.junctions.size, 0)
            else:
                redone = self._update_trees(trees, pair_weight)
                self.last_stats = MatrixStats("incremental", trees.junctions.size, redone)
            self._cache[key] = trees
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return c.assemble(trees.rows, trees.row_of_junction, nodes, nodes, offsets)

    def _full_trees(self, nodes: NDArray[np.int64], pair_weight: NDArray[np.float64]) -> _Trees:
        c = self.contraction
        exits = np.unique(c.exit_junctions(nodes))
        graph = self._junction_graph(pair_weight)
        dist = dijkstra_rows(graph, exits, workers=self.workers)
        rows = np.full((exits.size + 1, c.junction_count + 1), INF)
        rows[:-1, :-1] = dist
        row_of = np.full(c.junction_count, -1, dtype=np.int64)
        row_of[exits] = np.arange(exits.size)
        return _Trees(pair_weight, exits, rows, row_of)

    def _update_trees(self, trees: _Trees, pair_weight: NDArray[np.float64]) -> int:
        """Recompute only the rows whose trees the changed arcs touch; return how many."""
        c = self.contraction
        old = trees.pair_weight
        changed = np.flatnonzero(old != pair_weight)
        up = changed[pair_weight[changed] > old[changed]]
        down = changed[pair_weight[changed] < old[changed]]
        n_rows = trees.junctions.size
        affected = np.zeros(n_rows, dtype=bool)
        if up.size:
            # A slower or closed arc matters only to trees that may use it: where it is
            # tight (weights are exact integers, so equality is exact). A tie the tree
            # did not take only costs a needless recompute.
            du = trees.rows[:n_rows, c.pair_u[up]]
            dv = trees.rows[:n_rows, c.pair_v[up]]
            affected |= (np.isfinite(dv) & (du + old[up][None, :] == dv)).any(axis=1)
        if down.size:
            # A faster or reopened arc matters where it now beats the tree.
            du = trees.rows[:n_rows, c.pair_u[down]]
            dv = trees.rows[:n_rows, c.pair_v[down]]
            affected |= (du + pair_weight[down][None, :] < dv).any(axis=1)
        redo = np.flatnonzero(affected)
        if redo.size:
            graph = self._junction_graph(pair_weight)
            trees.rows[redo, :-1] = dijkstra_rows(
                graph, trees.junctions[redo], workers=self.workers
            )
        trees.pair_weight = pair_weight
        return int(redo.size)

    # ------------------------------------------------------------------ geometry
    def leg_geometry(
        self, origin: GeoPoint, destination: GeoPoint, *, depart_at: datetime | None = None
    ) -> list[GeoPoint]:
        """Return the road polyline of the fastest trip from ``origin`` to ``destination``.

        The line starts and ends at the given points; between them it follows the
        network's nodes. Empty when the destination cannot be reached.
        """
        snap = self.snap([origin, destination])
        a, b = int(snap.nodes[0]), int(snap.nodes[1])
        net = self.network
        weights = self.edge_weights(depart_at)
        open_ = np.isfinite(weights)
        graph = csr_matrix(
            (weights[open_], (net.edge_u[open_], net.edge_v[open_])),
            shape=(net.node_count, net.node_count),
        )
        dist, pred = dijkstra(graph, indices=a, return_predecessors=True)
        if not np.isfinite(dist[b]):
            return []
        chain = [b]
        while chain[-1] != a:
            chain.append(int(pred[chain[-1]]))
        chain.reverse()
        line = [origin]
        line += [GeoPoint(float(net.node_lat[n]), float(net.node_lon[n])) for n in chain]
        line.append(destination)
        return line

    def route_geometry(
        self, points: Sequence[GeoPoint], *, depart_at: datetime | None = None
    ) -> list[list[GeoPoint]]:
        """Return one polyline per leg of a route visiting ``points`` in order."""
        return [self.leg_geometry(a, b, depart_at=depart_at) for a, b in itertools.pairwise(points)]
