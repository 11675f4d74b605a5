"""The routing problem: depots, stops, fleet and travel matrices, as numpy arrays.

Locations are numbered like PyVRP numbers them: depots first (``0 .. D-1``), then stops
(``D .. D+N-1``); both matrices are indexed by location. Times are seconds from the
problem's ``epoch`` (or from an arbitrary zero for benchmark instances), distances are
metres (or the instance's own unit), demands are integers per load dimension.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from lastmile.domain.errors import InvalidValue

#: Times and distances beyond this are "never": PyVRP's own unconstrained default is larger,
#: but sums of many of them must not overflow int64.
HORIZON = 1_000_000_000


@dataclass(frozen=True)
class Depot:
    """A place vans start from, end at, or reload at."""

    depot_id: str
    location: int
    open_s: float = 0.0
    close_s: float = float(HORIZON)


@dataclass(frozen=True)
class VehicleSpec:
    """A group of identical vans (``count`` of them): capacity, shift, costs, rules.

    Costs are per metre, per second and per van used; ``max_trips > 1`` lets the van go
    back to its end depot to reload. ``break_window`` is ``(earliest, latest)`` start of
    the driver's break, which lasts ``break_s``.
    """

    name: str
    capacity: tuple[int, ...]
    start_depot: int = 0
    end_depot: int = 0
    count: int = 1
    shift_start_s: float = 0.0
    shift_end_s: float = float(HORIZON)
    max_duration_s: float | None = None
    max_distance_m: float | None = None
    fixed_cost: float = 0.0
    cost_per_m: float = 1.0
    cost_per_s: float = 0.0
    co2_g_per_m: float = 0.0
    skills: frozenset[str] = field(default_factory=frozenset)
    break_window: tuple[float, float] | None = None
    break_s: float = 0.0
    max_trips: int = 1
    #: Latest departure from the start depot; ``shift_start_s`` when the van is already
    #: on the road and must leave from where it is now.
    start_latest_s: float | None = None

    def __post_init__(self) -> None:
        if self.count < 1:
            raise InvalidValue("count", f"{self.count} < 1 not understood.")
        if any(c < 0 for c in self.capacity):
            raise InvalidValue("capacity", f"{self.capacity} has a negative entry.")
        if self.shift_end_s < self.shift_start_s:
            raise InvalidValue("shift", f"vehicle {self.name!r} ends before it starts.")
        if self.max_trips < 1:
            raise InvalidValue("max_trips", f"{self.max_trips} < 1 not understood.")
        for name in ("fixed_cost", "cost_per_m", "cost_per_s", "co2_g_per_m", "break_s"):
            if getattr(self, name) < 0:
                raise InvalidValue(name, f"{getattr(self, name)} < 0 not understood.")


@dataclass(frozen=True)
class Stops:
    """All stops, column-wise: one row per stop.

    ``windows[i]`` holds one or more ``(open, close)`` pairs: service must *start* inside
    one of them. ``required[i]`` False makes the stop optional, skipped at ``penalty[i]``.
    ``release_s[i]`` is the earliest departure from a depot of a trip that serves it
    (parcels not yet loaded). ``locked_to[i]`` names the only vehicle spec that may serve
    it (parcels already on board), or is empty.
    """

    ids: tuple[str, ...]
    demand: NDArray[np.int64]
    service_s: NDArray[np.float64]
    windows: tuple[tuple[tuple[float, float], ...], ...]
    skills: tuple[frozenset[str], ...]
    required: NDArray[np.bool_]
    penalty: NDArray[np.float64]
    release_s: NDArray[np.float64]
    locked_to: tuple[str, ...]

    @classmethod
    def build(
        cls,
        ids: list[str],
        demand: NDArray[np.int64] | list[list[int]],
        *,
        service_s: NDArray[np.float64] | list[float] | None = None,
        windows: list[tuple[tuple[float, float], ...]] | None = None,
        skills: list[frozenset[str]] | None = None,
        required: list[bool] | None = None,
        penalty: list[float] | None = None,
        release_s: list[float] | None = None,
        locked_to: list[str] | None = None,
    ) -> Stops:
        """Build the columns, filling the optional ones with neutral values."""
        n = len(ids)
        dem = np.asarray(demand, dtype=np.int64).reshape(n, -1)
        return cls(
            ids=tuple(ids),
            demand=dem,
            service_s=np.zeros(n) if service_s is None else np.asarray(service_s, float),
            windows=tuple(windows) if windows else tuple(((0.0, float(HORIZON)),) for _ in ids),
            skills=tuple(skills) if skills else tuple(frozenset() for _ in ids),
            required=np.ones(n, bool) if required is None else np.asarray(required, bool),
            penalty=np.zeros(n) if penalty is None else np.asarray(penalty, float),
            release_s=np.zeros(n) if release_s is None else np.asarray(release_s, float),
            locked_to=tuple(locked_to) if locked_to else tuple("" for _ in ids),
        )

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, index: NDArray[np.int64] | list[int]) -> Stops:
        """Return the stops at ``index``, in that order."""
        idx = [int(i) for i in index]
        return Stops(
            ids=tuple(self.ids[i] for i in idx),
            demand=self.demand[idx],
            service_s=self.service_s[idx],
            windows=tuple(self.windows[i] for i in idx),
            skills=tuple(self.skills[i] for i in idx),
            required=self.required[idx],
            penalty=self.penalty[idx],
            release_s=self.release_s[idx],
            locked_to=tuple(self.locked_to[i] for i in idx),
        )


@dataclass(frozen=True)
class RoutingProblem:
    """Everything a solver needs, validated on construction.

    Raises ``InvalidValue`` for an empty fleet, a matrix that is not square, has the wrong
    size, or holds a negative or NaN entry, or a stop or vehicle that refers to a missing
    depot. Stops that no van can ever serve are *not* errors: ``screen`` reports them.
    """

    depots: tuple[Depot, ...]
    stops: Stops
    fleet: tuple[VehicleSpec, ...]
    durations_s: NDArray[np.float64]
    distances_m: NDArray[np.float64]
    epoch: datetime | None = None
    dimension_names: tuple[str, ...] = ("weight_kg", "volume_l", "parcels")
    #: 10 when times and distances are DIMACS integers (``floor(10 d)``): divide to report.
    scale: float = 1.0
    name: str = ""
    coords: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        if not self.fleet:
            raise InvalidValue("fleet", "is empty: at least one vehicle is needed.")
        if not self.depots:
            raise InvalidValue("depots", "is empty: at least one depot is needed.")
        n_loc = len(self.depots) + len(self.stops)
        for name in ("durations_s", "distances_m"):
            mat = getattr(self, name)
            if mat.ndim != 2 or mat.shape[0] != mat.shape[1]:
                raise InvalidValue(name, f"must be a square matrix, got shape {mat.shape}.")
            if mat.shape[0] != n_loc:
                raise InvalidValue(
                    name, f"has {mat.shape[0]} rows but there are {n_loc} locations."
                )
            if np.isnan(mat).any():
                raise InvalidValue(name, "contains NaN.")
            if (mat < 0).any():
                i, j = np.argwhere(mat < 0)[0]
                raise InvalidValue(name, f"entry ({i}, {j}) is negative: {mat[i, j]}.")
        dims = self.stops.demand.shape[1] if len(self.stops) else len(self.fleet[0].capacity)
        for v in self.fleet:
            if len(v.capacity) != dims:
                raise InvalidValue(
                    "capacity",
                    f"vehicle {v.name!r} has {len(v.capacity)} dimensions, stops have {dims}.",
                )
            for d in (v.start_depot, v.end_depot):
                if not 0 <= d < len(self.depots):
                    raise InvalidValue("depot", f"vehicle {v.name!r} refers to depot {d}.")
        if len(self.stops) and (self.stops.demand < 0).any():
            raise InvalidValue("demand", "a stop has a negative demand.")
        for i, wins in enumerate(self.stops.windows):
            if not wins:
                raise InvalidValue("windows", f"stop {self.stops.ids[i]!r} has no window.")
            for lo, hi in wins:
                if hi < lo:
                    raise InvalidValue(
                        "windows", f"stop {self.stops.ids[i]!r} window closes before it opens."
                    )

    @property
    def num_depots(self) -> int:
        return len(self.depots)

    @property
    def num_stops(self) -> int:
        return len(self.stops)

    @property
    def num_dims(self) -> int:
        return int(self.stops.demand.shape[1]) if len(self.stops) else len(self.fleet[0].capacity)

    def location_of_stop(self, i: int) -> int:
        """Return the matrix location of stop ``i``."""
        return self.num_depots + i

    def vehicles(self) -> list[tuple[int, VehicleSpec]]:
        """Return one ``(spec index, spec)`` per physical van (specs repeat ``count`` times)."""
        return [(k, v) for k, v in enumerate(self.fleet) for _ in range(v.count)]
