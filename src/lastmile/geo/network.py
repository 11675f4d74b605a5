"""The directed road graph: its largest strongly connected part, snapping, shortest paths.

A ``RoadNetwork`` keeps only the largest strongly connected component of the drivable
graph, so every snapped point can reach every other one; points are snapped to the
nearest node of that component with a KD-tree in a local metric projection.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from lastmile.domain.geo import GeoPoint
from lastmile.geo.osm import ROAD_CLASSES, OsmExtract, read_osm

DEFAULT_NETWORK = "baltimore_md_valhalla_2015.osm.pbf"


class PointOutsideNetwork(ValueError):
    """A point lies farther from any road of the network than the snapping limit allows."""

    def __init__(self, indices: Sequence[int], distances_m: Sequence[float], limit_m: float):
        shown = ", ".join(
            f"#{i} ({d:,.0f} m)" for i, d in list(zip(indices, distances_m, strict=True))[:5]
        )
        more = f" and {len(indices) - 5} more" if len(indices) > 5 else ""
        super().__init__(
            f"{len(indices)} point(s) are more than {limit_m:,.0f} m from any road of the "
            f"network: {shown}{more}; use another extract or the straight-line fallback"
        )
        self.indices = list(indices)
        self.distances_m = list(distances_m)
        self.limit_m = limit_m


@dataclass(frozen=True)
class Snap:
    """Where points meet the network: node per point and the straight distance to it."""

    nodes: NDArray[np.int64]
    distances_m: NDArray[np.float64]


class RoadNetwork:
    """A directed drivable graph restricted to its largest strongly connected component.

    Parameters
    ----------
    extract
        Arrays from ``read_osm`` or built by hand.
    name
        A label used in cache keys and messages.

    Notes
    -----
    Parallel edges between the same two nodes keep only the fastest one, so every arc
    ``(u, v)`` is unique and edge ids index the arrays ``edge_u``, ``edge_v``, ...
    """

    def __init__(self, extract: OsmExtract, *, name: str = "") -> None:
        self.name = name or extract.source or "network"
        self.extract = extract
        n = extract.node_lat.size
        u, v = extract.edge_u, extract.edge_v
        time_s = extract.edge_length_m / (extract.edge_speed_kmh / 3.6)
        graph = csr_matrix((np.ones(u.size), (u, v)), shape=(n, n))
        _, labels = connected_components(graph, directed=True, connection="strong")
        largest = np.bincount(labels).argmax()
        keep_node = labels == largest
        keep_edge = keep_node[u] & keep_node[v]
        # Fastest first, so that the first of each (u, v) pair is the one kept.
        order = np.lexsort((time_s, v, u))
        order = order[keep_edge[order]]
        pairs = u[order] * n + v[order]
        first = np.ones(order.size, dtype=bool)
        first[1:] = pairs[1:] != pairs[:-1]
        chosen = order[first]

        remap = np.full(n, -1, dtype=np.int64)
        remap[keep_node] = np.arange(int(keep_node.sum()))
        self.node_lat: NDArray[np.float64] = extract.node_lat[keep_node]
        self.node_lon: NDArray[np.float64] = extract.node_lon[keep_node]
        self.edge_u: NDArray[np.int64] = remap[u[chosen]]
        self.edge_v: NDArray[np.int64] = remap[v[chosen]]
        self.edge_length_m: NDArray[np.float64] = extract.edge_length_m[chosen]
        self.edge_speed_kmh: NDArray[np.float64] = extract.edge_speed_kmh[chosen]
        self.edge_class: NDArray[np.int64] = extract.edge_class[chosen]
        self.edge_street: NDArray[np.int64] = extract.edge_street[chosen]
        self.street_names = extract.street_names

        self._lat0 = float(self.node_lat.mean())
        self._lon0 = float(self.node_lon.mean())
        self._tree = cKDTree(self._project(self.node_lat, self.node_lon))
        digest = hashlib.sha1()
        for arr in (self.node_lat, self.node_lon, self.edge_u, self.edge_v, self.edge_speed_kmh):
            digest.update(np.ascontiguousarray(arr).tobytes())
        self.fingerprint = digest.hexdigest()[:16]

    @property
    def node_count(self) -> int:
        return int(self.node_lat.size)

    @property
    def edge_count(self) -> int:
        return int(self.edge_u.size)

    @property
    def free_flow_time_s(self) -> NDArray[np.float64]:
        """Seconds to drive each edge at its free-flow speed."""
        result: NDArray[np.float64] = self.edge_length_m / (self.edge_speed_kmh / 3.6)
        return result

    def bbox(self) -> tuple[float, float, float, float]:
        """Return ``(min_lat, min_lon, max_lat, max_lon)`` of the network's nodes."""
        return (
            float(self.node_lat.min()),
            float(self.node_lon.min()),
            float(self.node_lat.max()),
            float(self.node_lon.max()),
        )

    def _project(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
        # Equirectangular around the network's centre: under 0.1 % error over a city.
        k = math.pi / 180 * 6_371_008.8
        x = (np.asarray(lon) - self._lon0) * k * math.cos(math.radians(self._lat0))
        y = (np.asarray(lat) - self._lat0) * k
        return np.column_stack([x, y])

    def snap(self, points: Sequence[GeoPoint]) -> Snap:
        """Return the nearest node of the network to each point and the distance to it."""
        lat = np.fromiter((p.lat for p in points), dtype=np.float64, count=len(points))
        lon = np.fromiter((p.lon for p in points), dtype=np.float64, count=len(points))
        return self.snap_arrays(lat, lon)

    def snap_arrays(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> Snap:
        """Snap positions given as arrays; see ``snap``."""
        if lat.size == 0:
            return Snap(np.zeros(0, dtype=np.int64), np.zeros(0))
        dist, idx = self._tree.query(self._project(lat, lon))
        return Snap(np.asarray(idx, dtype=np.int64), np.asarray(dist, dtype=np.float64))

    def edges_named(self, street: str) -> NDArray[np.int64]:
        """Return the ids of every edge of the street called ``street`` (case-insensitive)."""
        wanted = street.strip().casefold()
        ids = [i for i, name in enumerate(self.street_names) if name.casefold() == wanted]
        return np.flatnonzero(np.isin(self.edge_street, ids)).astype(np.int64)

    def edges_between(self, a: GeoPoint, b: GeoPoint) -> NDArray[np.int64]:
        """Return the edge ids (either direction) between the nodes nearest ``a`` and ``b``."""
        snap = self.snap([a, b])
        x, y = int(snap.nodes[0]), int(snap.nodes[1])
        hit = ((self.edge_u == x) & (self.edge_v == y)) | ((self.edge_u == y) & (self.edge_v == x))
        return np.flatnonzero(hit).astype(np.int64)

    def class_names(self) -> tuple[str, ...]:
        return ROAD_CLASSES


def default_network_path() -> Path:
    """Return the path of the road network shipped with the package (Baltimore, ODbL)."""
    ref = resources.files("lastmile") / "data" / "osm" / DEFAULT_NETWORK
    return Path(str(ref))


_CACHE_FORMAT = 1


def cache_dir() -> Path:
    """Return where parsed extracts are kept between processes (``LASTMILE_CACHE_DIR``)."""
    explicit = os.environ.get("LASTMILE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lastmile"


def read_osm_cached(path: str | Path) -> OsmExtract:
    """Read an extract, reusing a parse stored under ``cache_dir()`` when the bytes match.

    The cache is keyed by the SHA-256 of the file, so an edited extract is parsed again.
    Only files this function wrote are read back; a cache that cannot be written (a
    read-only home) just means parsing every time.
    """
    path = Path(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:24]
    cached = cache_dir() / f"osm-{digest}-v{_CACHE_FORMAT}.pickle"
    if cached.is_file():
        try:
            with cached.open("rb") as fh:
                extract = pickle.load(fh)
            if isinstance(extract, OsmExtract):
                return extract
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
            # A stale or truncated cache: drop it if we may, and parse again below.
            with contextlib.suppress(OSError):
                cached.unlink()
    extract = read_osm(path)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(extract, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cached)
    except OSError:
        pass
    return extract


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, size: int) -> RoadNetwork:
    # mtime and size are part of the key so an edited file is read again.
    return RoadNetwork(read_osm_cached(path), name=Path(path).name)


def load_network(path: str | Path | None = None) -> RoadNetwork:
    """Load (once per process) the road network of an OSM extract.

    Parameters
    ----------
    path
        An ``.osm.pbf`` file; ``None`` means the shipped Baltimore network.
    """
    p = Path(path) if path is not None else default_network_path()
    if not p.is_file():
        raise FileNotFoundError(f"OSM extract {p} not found")
    stat = p.stat()
    return _load(str(p.resolve()), stat.st_mtime_ns, stat.st_size)
