"""Where deliveries really happened: learned positions for addresses.

The geocoder consults a ``CorrectionStore`` before anything else, so once a driver
confirms a delivery with a GPS fix the next parcel for that building goes to that door.
The store is a small interface; the in-memory one round-trips through JSON, and
``lastmile.adapters.correction_store.SqlCorrectionStore`` keeps fixes in the
``geocode_corrections`` table, written in the transaction of the delivery confirmation
that taught them (``services.delivery.confirm_delivery`` with a ``learner``) and read by
the API's order intake.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Protocol


@dataclass(frozen=True)
class LearnedFix:
    """The running mean of confirmed delivery positions for one building."""

    lat: float
    lon: float
    deliveries: int = 1

    def __post_init__(self) -> None:
        if self.deliveries < 1:
            raise ValueError(f"deliveries {self.deliveries} < 1 not understood.")

    def add(self, lat: float, lon: float) -> LearnedFix:
        """Return the fix moved towards one more confirmed position."""
        n = self.deliveries
        return LearnedFix(
            lat=(self.lat * n + lat) / (n + 1),
            lon=(self.lon * n + lon) / (n + 1),
            deliveries=n + 1,
        )


class CorrectionStore(Protocol):
    """Learned positions keyed by a building key (``2120 E FAIRMOUNT AVE``)."""

    def get(self, key: str) -> LearnedFix | None:
        """Return the learned fix for ``key``, if any."""
        ...

    def put(self, key: str, fix: LearnedFix) -> None:
        """Store the learned fix for ``key``."""
        ...


class InMemoryCorrections:
    """A ``CorrectionStore`` in a dict, serialisable to JSON."""

    def __init__(self, fixes: dict[str, LearnedFix] | None = None) -> None:
        self._fixes: dict[str, LearnedFix] = dict(fixes or {})

    def get(self, key: str) -> LearnedFix | None:
        return self._fixes.get(key)

    def put(self, key: str, fix: LearnedFix) -> None:
        self._fixes[key] = fix

    def __len__(self) -> int:
        return len(self._fixes)

    def to_json(self) -> str:
        """Serialise every learned fix."""
        return json.dumps({k: asdict(v) for k, v in sorted(self._fixes.items())})

    @classmethod
    def from_json(cls, text: str) -> InMemoryCorrections:
        """Load fixes written by ``to_json``."""
        raw = json.loads(text)
        return cls({k: LearnedFix(**v) for k, v in raw.items()})
