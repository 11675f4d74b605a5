"""The SQL ``CorrectionStore``: learned delivery positions in ``geocode_corrections``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from lastmile.adapters.db.tables_geo import geocode_corrections as gc
from lastmile.geo.corrections import LearnedFix


class SqlCorrectionStore:
    """Reads and writes learned fixes through ``session()``.

    Pass ``lambda: uow.session`` so a fix learned from a confirmation commits (or rolls
    back) with that confirmation. The row is read ``FOR UPDATE`` on PostgreSQL, so two
    deliveries to one building at once both count in the running mean; a read-only use
    (geocoding a new order) passes ``for_update=False`` and waits for no one.
    """

    def __init__(self, session: Callable[[], Session], *, for_update: bool = True) -> None:
        self._session = session
        self._for_update = for_update

    def get(self, key: str) -> LearnedFix | None:
        """Return the learned fix for ``key``, if any."""
        c = gc.c
        query = select(c.lat, c.lon, c.deliveries).where(c.building_key == key)
        if self._for_update:
            query = query.with_for_update()
        row = self._session().execute(query).first()
        return LearnedFix(float(row[0]), float(row[1]), int(row[2])) if row else None

    def put(self, key: str, fix: LearnedFix) -> None:
        """Store the learned fix for ``key``, replacing the previous one."""
        s = self._session()
        values = {
            "lat": fix.lat,
            "lon": fix.lon,
            "deliveries": fix.deliveries,
            "updated_at": datetime.now(UTC),
        }
        done = s.execute(update(gc).where(gc.c.building_key == key).values(**values))
        if getattr(done, "rowcount", 0) == 0:
            s.execute(insert(gc).values(building_key=key, **values))
