"""The shipped network, its travel-time source and geocoder, each built once per process."""

from __future__ import annotations

import functools
from pathlib import Path

from lastmile.geo.conditions import Conditions
from lastmile.geo.geocoder import Geocoder
from lastmile.geo.network import load_network
from lastmile.geo.road import RoadTravelTimes


def road_travel_times(
    osm: str | Path | None = None, *, conditions: Conditions | None = None
) -> RoadTravelTimes:
    """Return a road travel-time source on ``osm`` (default: the shipped Baltimore network).

    The network is parsed once per process; each call gets its own matrix cache and,
    unless given, its own free ``Conditions``.
    """
    return RoadTravelTimes(load_network(osm), conditions=conditions)


@functools.lru_cache(maxsize=4)
def _geocoder(path: str | None) -> Geocoder:
    return Geocoder.from_network(load_network(path))


def geocoder(osm: str | Path | None = None) -> Geocoder:
    """Return the geocoder of ``osm`` (default: the shipped network), shared per process."""
    return _geocoder(None if osm is None else str(Path(osm).resolve()))
