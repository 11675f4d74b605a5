"""Where the scenario's customers and warehouses are: address points and industrial sites.

Customers live at the extract's tagged address points (or, in an extract with few of
them, at points along named streets, marked synthetic). Warehouses stand at industrial or
port land-use sites nearest the weighted centres of demand (k-means), which in SE
Baltimore puts them in the port and I-95 industrial belts.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from lastmile.domain import GeoPoint, Warehouse
from lastmile.sim.osm_places import AddressPoint, IndustrialSite, OsmPlaces

_STRONG_SITES = ("industrial", "port", "building=warehouse", "building=industrial")


def address_pool(places: OsmPlaces, rng: np.random.Generator) -> list[AddressPoint]:
    """Return real address points; name points along streets where an extract has too few."""
    pool = list(places.addresses)
    if len(pool) >= 200 or not places.street_nodes:
        return pool
    # An extract with few tagged addresses still has named streets: place customers on
    # them and mark the addresses synthetic, so the report can say so.
    picks = rng.choice(
        len(places.street_nodes), size=min(500, len(places.street_nodes)), replace=False
    )
    city = next((a.city for a in pool if a.city), "")
    for k, idx in enumerate(sorted(picks.tolist())):
        lat, lon, street = places.street_nodes[idx]
        pool.append(AddressPoint(str(100 + 2 * k), street, city, "", "", lat, lon, synthetic=True))
    return pool


def _kmeans(xy: NDArray[np.float64], w: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    # Deterministic start (weighted quantiles along longitude) keeps the sites stable.
    order = np.argsort(xy[:, 1])
    cum = np.cumsum(w[order])
    centres = np.array([xy[order[np.searchsorted(cum, (i + 0.5) / k * cum[-1])]] for i in range(k)])
    for _ in range(50):
        d = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        label = d.argmin(axis=1)
        for c in range(k):
            mask = label == c
            if mask.any():
                centres[c] = np.average(xy[mask], axis=0, weights=w[mask])
    return centres


def _nearest_site(
    sites: list[IndustrialSite], lat: float, lon: float, taken: set[int]
) -> int | None:
    best, best_d = None, float("inf")
    for i, s in enumerate(sites):
        d = (s.lat - lat) ** 2 + ((s.lon - lon) * 0.77) ** 2
        if i not in taken and d < best_d:
            best, best_d = i, d
    return best


def place_warehouses(
    places: OsmPlaces,
    points: list[AddressPoint],
    weights: NDArray[np.float64],
    count: int,
    *,
    pick_rate: int = 600,
) -> tuple[list[Warehouse], Warehouse]:
    """Place warehouses at industrial sites near the centres of demand.

    ``pick_rate`` is each warehouse's units picked per hour; the single central
    warehouse of the counterfactual picks as fast as all of them together.
    """
    xy = np.array([(p.lat, p.lon) for p in points])
    centres = _kmeans(xy, weights, count)
    strong = [s for s in places.industrial if s.kind in _STRONG_SITES and s.area_proxy >= 4]
    sites = strong or places.industrial
    taken: set[int] = set()
    chosen: list[GeoPoint] = []
    labels: list[str] = []
    for lat, lon in centres:
        idx = _nearest_site(sites, float(lat), float(lon), taken)
        if idx is None:
            chosen.append(GeoPoint(float(lat), float(lon)))
            labels.append("demand centre")
        else:
            taken.add(idx)
            chosen.append(GeoPoint(sites[idx].lat, sites[idx].lon))
            labels.append(f"{sites[idx].kind} site")
    order = np.argsort([p.lon for p in chosen])
    names = ("West", "Central", "East") if count == 3 else tuple(f"#{i + 1}" for i in range(count))
    warehouses = [
        Warehouse(
            f"WH-{names[rank].upper().lstrip('#')}",
            f"{names[rank]} ({labels[i]})",
            chosen[i],
            pick_capacity_per_hour=pick_rate,
        )
        for rank, i in enumerate(order.tolist())
    ]
    mean_lat, mean_lon = np.average(xy, axis=0, weights=weights)
    idx = _nearest_site(sites, float(mean_lat), float(mean_lon), set())
    where = (
        GeoPoint(sites[idx].lat, sites[idx].lon)
        if idx is not None
        else GeoPoint(float(mean_lat), float(mean_lon))
    )
    central = Warehouse(
        "WH-SINGLE", "Single central warehouse", where, pick_capacity_per_hour=pick_rate * count
    )
    return warehouses, central


def warehouse_share(
    warehouses: list[Warehouse], points: list[AddressPoint], weights: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return each warehouse's share of demand if every order went to the nearest one."""
    xy = np.array([(p.lat, p.lon) for p in points])
    wh = np.array([(w.location.lat, w.location.lon) for w in warehouses if w.location])
    d = ((xy[:, None, :] - wh[None, :, :]) ** 2).sum(axis=2)
    share = np.bincount(d.argmin(axis=1), weights=weights, minlength=len(warehouses))
    return np.asarray(share / share.sum(), dtype=np.float64)
