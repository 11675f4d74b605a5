"""The day's deliveries teach the geocoder where the doors really are.

The same rule as the API's delivery confirmation (``services.delivery.confirm_delivery``
with a ``learner``): a handover whose driver's fix lies inside the geofence, from a GPS
fix fine enough to trust, moves the address's learned position through
``Geocoder.confirm_delivery``. The next day's intake, built on the same correction
store, then geocodes that address with method ``delivery_fix``.
"""

from __future__ import annotations

from dataclasses import dataclass

from lastmile.geo.geocoder import Geocoder
from lastmile.services.delivery import LEARN_MAX_ACCURACY_M
from lastmile.sim.records import DayResult

# A phone fix in a street canyon (the simulated drivers' GPS, see ``execution``).
FIX_ACCURACY_M = 15.0


@dataclass(frozen=True)
class Learned:
    """What one day taught: deliveries offered as lessons, and fixes the geocoder took."""

    offered: int
    accepted: int


def learn_from_day(result: DayResult, geocoder: Geocoder) -> Learned:
    """Teach ``geocoder``'s correction store from every trusted proof of delivery of the day.

    Parameters
    ----------
    result
        The simulated day (its routes carry each handover's proof).
    geocoder
        The intake geocoder; its correction store is what the next day reads.

    Returns
    -------
    Learned
        How many deliveries were offered and how many moved a learned position.
    """
    if FIX_ACCURACY_M > LEARN_MAX_ACCURACY_M:
        return Learned(0, 0)
    raw = {o.order_id: o.address.raw for o in result.scenario.orders}
    offered = accepted = 0
    for route in result.routes:
        for stop in route.stops:
            for order_id in stop.delivered:
                proof = stop.proofs.get(order_id)
                if proof is None or not proof.geofence_ok:
                    continue
                offered += 1
                if geocoder.confirm_delivery(raw[order_id], proof.gps).accepted:
                    accepted += 1
    return Learned(offered, accepted)
