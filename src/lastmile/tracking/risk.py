"""How likely a parcel left at a door is to go missing, and the proof method that follows."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from lastmile.domain.geo import GeoPoint
from lastmile.domain.shipment import ProofMethod

CELL_DEG = 0.005  # about 550 m north-south: a few blocks, enough deliveries to learn from


def area_key(point: GeoPoint) -> str:
    """Return the grid cell an address falls in; theft history is kept per cell."""
    return f"{math.floor(point.lat / CELL_DEG)}:{math.floor(point.lon / CELL_DEG)}"


@dataclass(frozen=True, slots=True)
class AreaHistory:
    """Deliveries and reported thefts (or 'not received' claims) in one cell."""

    deliveries: int = 0
    thefts: int = 0


@dataclass(frozen=True, slots=True)
class RiskPolicy:
    """Weights and thresholds of the risk score.

    The area's theft rate is smoothed towards ``prior_rate`` with ``prior_weight``
    pseudo-deliveries, so one theft in a quiet cell does not mark it dangerous.
    """

    prior_rate: float = 0.01
    prior_weight: float = 200.0
    value_scale: float = 200.0
    pin_above: float = 0.35
    signature_above: float = 0.6
    signature_value: float = 500.0

    def __post_init__(self) -> None:
        if not 0 < self.pin_above < self.signature_above <= 1:
            raise ValueError("thresholds must satisfy 0 < pin_above < signature_above <= 1.")


def risk_score(
    history: AreaHistory, parcel_value: float, policy: RiskPolicy | None = None
) -> float:
    """Return a score in [0, 1]: higher for theft-prone areas and valuable parcels."""
    policy = policy or RiskPolicy()
    rate = (history.thefts + policy.prior_rate * policy.prior_weight) / (
        history.deliveries + policy.prior_weight
    )
    # 5% thefts is a very bad area; saturate there.
    area = min(rate / 0.05, 1.0)
    value = 1.0 - math.exp(-max(parcel_value, 0.0) / policy.value_scale)
    return round(1.0 - (1.0 - 0.6 * area) * (1.0 - 0.5 * value), 4)


def choose_method(
    *,
    point: GeoPoint | None,
    parcel_value: float,
    histories: Mapping[str, AreaHistory],
    preference: ProofMethod | None = None,
    policy: RiskPolicy | None = None,
) -> tuple[ProofMethod, float]:
    """Return the proof method for a shipment and the risk score behind it.

    The customer's preference is honoured when it is at least as safe as what the risk
    calls for (a locker always is); otherwise the risk decides.
    """
    policy = policy or RiskPolicy()
    history = histories.get(area_key(point), AreaHistory()) if point else AreaHistory()
    score = risk_score(history, parcel_value, policy)
    if score >= policy.signature_above or parcel_value >= policy.signature_value:
        needed = ProofMethod.SIGNATURE
    elif score >= policy.pin_above:
        needed = ProofMethod.PIN
    else:
        needed = ProofMethod.PHOTO
    strength = {
        ProofMethod.PHOTO: 0,
        ProofMethod.PIN: 1,
        ProofMethod.SIGNATURE: 2,
        ProofMethod.LOCKER: 3,
    }
    if preference is not None and strength[preference] >= strength[needed]:
        return preference, score
    return needed, score
