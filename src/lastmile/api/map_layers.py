"""GeoJSON layers for the dashboard's map, drawn from the project's own road network.

No tile server: the roads come from the shipped OSM extract (or ``LASTMILE_OSM_PATH``).
The layer is simplified for the browser: service roads dropped, each two-way street drawn
once, coordinates rounded to about a metre, one MultiLineString per road class.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from lastmile.geo.network import RoadNetwork, load_network

SKIPPED_CLASSES = frozenset({"service", "living_street"})
DECIMALS = 5


def road_layer(network: RoadNetwork) -> dict[str, Any]:
    """Return the network's drivable streets as a GeoJSON FeatureCollection."""
    names = network.class_names()
    u, v = network.edge_u, network.edge_v
    # One segment per undirected pair: keep (u, v) with u < v, plus one-way edges whose
    # reverse does not exist.
    n = network.node_count
    forward = u * n + v
    reverse = v * n + u
    has_reverse = np.isin(forward, reverse)
    keep = (u < v) | ~has_reverse
    lat = np.round(network.node_lat, DECIMALS)
    lon = np.round(network.node_lon, DECIMALS)
    features: list[dict[str, Any]] = []
    for cls_index, cls_name in enumerate(names):
        if cls_name in SKIPPED_CLASSES:
            continue
        ids = np.flatnonzero(keep & (network.edge_class == cls_index))
        if ids.size == 0:
            continue
        a, b = u[ids], v[ids]
        lines = np.stack(
            [np.column_stack([lon[a], lat[a]]), np.column_stack([lon[b], lat[b]])], axis=1
        )
        features.append(
            {
                "type": "Feature",
                "properties": {"class": cls_name, "segments": int(ids.size)},
                "geometry": {"type": "MultiLineString", "coordinates": lines.tolist()},
            }
        )
    min_lat, min_lon, max_lat, max_lon = network.bbox()
    return {
        "type": "FeatureCollection",
        "bbox": [min_lon, min_lat, max_lon, max_lat],
        "features": features,
        "attribution": "© OpenStreetMap contributors (ODbL)",
    }


def load_road_layer(osm_path: Path | None) -> dict[str, Any]:
    """Load the network (cached per process by the geo module) and draw its layer."""
    return road_layer(load_network(osm_path))
