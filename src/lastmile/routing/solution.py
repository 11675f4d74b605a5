"""What a solver returns: routes as visit sequences, and the stops it could not serve."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Protocol

from lastmile.routing.problem import RoutingProblem


def reload_marker(depot: int) -> int:
    """Return the visit code for a reload stop at ``depot`` (stops are >= 0)."""
    return -(depot + 1)


def reload_depot(code: int) -> int:
    """Return the depot a negative visit code reloads at."""
    return -code - 1


@dataclass(frozen=True)
class PlannedRoute:
    """One van's sequence: stop indices, and ``reload_marker(d)`` for a reload at depot d.

    ``vehicle`` is the index of its ``VehicleSpec``; ``break_after`` is the position in
    ``visits`` after which the driver takes the break (-1 before the first visit, None when
    no break is taken).
    """

    vehicle: int
    visits: tuple[int, ...]
    break_after: int | None = None

    @property
    def stops(self) -> tuple[int, ...]:
        return tuple(v for v in self.visits if v >= 0)


@dataclass(frozen=True)
class RoutingSolution:
    """A plan: routes, unserved stops with a reason each, and how it was found."""

    routes: tuple[PlannedRoute, ...]
    unserved: dict[str, str] = field(default_factory=dict)
    cost: float = 0.0
    solver: str = ""
    runtime_s: float = 0.0
    feasible: bool = True

    def served(self) -> list[int]:
        """Return every stop index on a route, in route order."""
        return [s for r in self.routes for s in r.stops]

    def with_routes(self, routes: tuple[PlannedRoute, ...]) -> RoutingSolution:
        """Return a copy with other routes."""
        return replace(self, routes=routes)


class StoppingBudget(Protocol):
    """How long a solver may run: seconds of wall clock."""

    @property
    def seconds(self) -> float: ...


@dataclass(frozen=True)
class MaxSeconds:
    """Stop after ``seconds`` of wall clock."""

    seconds: float

    def __post_init__(self) -> None:
        if self.seconds < 0:
            raise ValueError(f"seconds {self.seconds} < 0 not understood.")

    @classmethod
    def of(cls, value: float | timedelta) -> MaxSeconds:
        """Build from seconds or a timedelta."""
        s = value.total_seconds() if isinstance(value, timedelta) else float(value)
        return cls(s)


class Solver(Protocol):
    """A VRP backend: PyVRP (default), OR-Tools or VROOM."""

    name: str

    def solve(
        self,
        problem: RoutingProblem,
        *,
        stop: StoppingBudget,
        seed: int,
        initial: RoutingSolution | None = None,
    ) -> RoutingSolution:
        """Return the best plan found within ``stop``."""
        ...
