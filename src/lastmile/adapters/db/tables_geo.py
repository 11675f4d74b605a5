"""Tables of the geo area, on the core ``metadata``.

- ``geocode_corrections``: where deliveries to a building were really confirmed, as the
  running mean of the trusted GPS fixes, keyed by the geocoder's building key
  (``2104 E FAIRMOUNT AVE``). The geocoder consults it before anything else.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Float, Integer, String, Table

from lastmile.adapters.db.tables import metadata
from lastmile.adapters.db.types import UTCDateTime

geocode_corrections = Table(
    "geocode_corrections",
    metadata,
    # A house number and a normalised street name; longer than an id.
    Column("building_key", String(200), primary_key=True),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("deliveries", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("deliveries >= 1", name="deliveries_positive"),
)
