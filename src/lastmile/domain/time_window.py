"""Time windows: an interval in which something must happen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lastmile.domain.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A closed interval ``[start, end]`` of timezone-aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidValue("time_window", "start and end must be timezone-aware")
        if self.end < self.start:
            raise InvalidValue(
                "time_window",
                f"ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})",
            )

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def contains(self, moment: datetime) -> bool:
        """Tell whether ``moment`` lies inside the window."""
        return self.start <= moment <= self.end

    def overlaps(self, other: TimeWindow) -> bool:
        """Tell whether the two windows share at least one instant."""
        return self.start <= other.end and other.start <= self.end
