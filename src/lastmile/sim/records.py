"""What a simulated day records: policies, routes as driven, and each order's end state."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from lastmile.domain import GeoPoint, Order, ProofMethod, Shipment, StockLevel
from lastmile.sim.scenario import Scenario


class End(StrEnum):
    """Where every order ends the day; anything but DELIVERED carries a reason."""

    DELIVERED = "delivered"
    FAILED = "failed"
    BACKORDERED = "backordered"
    CANCELLED = "cancelled"
    CARRIED_OVER = "carried_over"


@dataclass(frozen=True)
class Policy:
    """The operating choices a day is replayed under."""

    name: str = "baseline"
    single_warehouse: bool = False
    consolidate: bool = True
    reoptimize: bool = True
    route_aware_sourcing: bool = True


@dataclass(frozen=True)
class Budget:
    """Solver effort: PyVRP iterations per wave and per re-optimisation, sourcing MIP nodes.

    Iterations and nodes, not seconds, so the same seed gives the same day on any machine;
    ``sourcing_s`` only stops a sourcing MIP that runs away (a safety net, never reached
    on the demo's days).
    """

    wave_iterations: int = 40
    reopt_iterations: int = 20
    sourcing_nodes: int = 500
    sourcing_s: float = 120.0

    def __post_init__(self) -> None:
        if (
            min(self.wave_iterations, self.reopt_iterations, self.sourcing_nodes) < 1
            or self.sourcing_s <= 0
        ):
            raise ValueError("solver budgets must be positive")


@dataclass
class Proof:
    """Proof of one handover: method, where the driver stood, and the checks."""

    method: ProofMethod
    at_s: float
    gps: GeoPoint
    distance_m: float
    geofence_ok: bool
    token: str


@dataclass
class StopRun:
    """One stop of a route: its plan, the ETAs the customer saw, and what happened."""

    shipment: Shipment
    location: int
    planned_arrival_s: float
    service_s: float
    eta_s: float
    eta_sent_s: float
    first_eta_s: float
    arrival_s: float | None = None
    departure_s: float | None = None
    delivered: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    proofs: dict[str, Proof] = field(default_factory=dict)
    dropped_reason: str = ""

    @property
    def parcels(self) -> int:
        return len(self.shipment.parcels)


@dataclass
class RouteRun:
    """A van's trip: planned stops, and the van's clock and odometer as it drives."""

    route_id: str
    vehicle_id: str
    depot_id: str
    depot_location: int
    wave: int
    stops: list[StopRun]
    depart_s: float
    shift_end_s: float
    planned_end_s: float = 0.0
    clock_s: float = 0.0
    position: int = 0
    next_stop: int = 0
    end_s: float | None = None
    distance_m: float = 0.0
    reoptimized: bool = False
    path: list[int] = field(default_factory=list)
    broke_down_s: float | None = None

    @property
    def done(self) -> bool:
        return self.end_s is not None


@dataclass
class OrderEnd:
    """One order's end state."""

    end: End
    reason: str = ""
    delivered_at_s: float | None = None
    on_time: bool | None = None
    eta_hit: bool | None = None
    shipment_id: str = ""
    eta_error_s: float | None = None


@dataclass
class DayResult:
    """Everything a day produced: routes, order ends, stock, the inventory loop, timings."""

    scenario: Scenario
    policy: Policy
    routes: list[RouteRun]
    ends: dict[str, OrderEnd]
    address_flags: dict[str, str]
    units_ordered: int
    units_shipped: int
    stockout_lines: int
    empty_shelves_end: int
    reorder: list[dict[str, object]]
    forecast_units_next_week: float
    timings: dict[str, float]
    capabilities: dict[str, str]
    orders: list[Order] = field(default_factory=list)
    levels: dict[tuple[str, str], StockLevel] = field(default_factory=dict)
    address_errors: int = 0
    address_errors_held: int = 0
    address_errors_corrected: int = 0
