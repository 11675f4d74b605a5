"""Solver backends behind the ``Solver`` protocol: PyVRP (default), OR-Tools, VROOM."""

from __future__ import annotations

from lastmile.routing.backends.peers import ORToolsSolver, VroomSolver
from lastmile.routing.backends.pyvrp_backend import PyVRPSolver
from lastmile.routing.solution import Solver

__all__ = ["ORToolsSolver", "PyVRPSolver", "VroomSolver", "make_solver"]


def make_solver(name: str = "pyvrp") -> Solver:
    """Return the backend called ``name``: ``pyvrp`` (default), ``ortools`` or ``vroom``."""
    backends: dict[str, type[PyVRPSolver] | type[ORToolsSolver] | type[VroomSolver]] = {
        "pyvrp": PyVRPSolver,
        "lastmile": PyVRPSolver,
        "ortools": ORToolsSolver,
        "vroom": VroomSolver,
    }
    if name not in backends:
        raise ValueError(f"solver {name!r} not understood; use pyvrp, ortools or vroom.")
    return backends[name]()
