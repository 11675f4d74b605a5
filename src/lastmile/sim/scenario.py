"""A seeded, reproducible day of demand on a real road network.

The scenario is the world the day runs in, drawn once from a seed so that every policy
replayed on it meets the same customers, the same absent doorsteps and the same storm:
warehouses at industrial sites of the extract, SKUs whose sizes and weights follow the
Olist product distributions shipped in ``data/scenario/``, stock, vans with shifts, and
orders placed through the day at the extract's real address points, some of them
mistyped or incomplete.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from lastmile.domain import (
    Address,
    Capacity,
    DeliveryOption,
    Dimensions,
    GeoPoint,
    InvalidValue,
    Order,
    OrderLine,
    Shift,
    Sku,
    TimeWindow,
    Vehicle,
    Warehouse,
)
from lastmile.sim.osm_places import AddressPoint, NoDrivableNetwork, OsmPlaces, read_places
from lastmile.sim.sites import address_pool, place_warehouses, warehouse_share

LOCAL = ZoneInfo("America/New_York")
DEFAULT_DAY = date(2026, 3, 10)
_HISTORY_DAYS = 56


@dataclass(frozen=True)
class ScenarioConfig:
    """What to draw. Every field has a default that gives the demo day."""

    orders: int = 2000
    vans: int = 40
    seed: int = 7
    osm_path: Path | None = None
    day: date = DEFAULT_DAY
    skus: int = 300
    warehouses: int = 3
    share_same_day: float = 0.30
    share_slot: float = 0.20
    share_typo: float = 0.05
    share_incomplete: float = 0.02
    share_absent: float = 0.06
    share_cancelled: float = 0.01
    van_capacity_kg: float = 1000.0
    van_capacity_l: float = 10_000.0
    van_capacity_parcels: int = 150
    shift_start: time = time(8, 0)
    shift_end: time = time(19, 0)
    mean_days_of_cover: float = 4.0

    def __post_init__(self) -> None:
        if self.orders < 0:
            raise InvalidValue("orders", f"{self.orders} < 0 not understood.")
        if self.vans < 1:
            raise InvalidValue("vans", f"{self.vans} < 1 not understood.")
        if self.skus < 1 or self.warehouses < 1:
            raise InvalidValue("skus", "a scenario needs at least one SKU and one warehouse")
        shares = self.share_same_day + self.share_slot
        if not 0.0 <= shares <= 1.0:
            raise InvalidValue("share_same_day", "same-day + slot shares must lie in [0, 1]")
        if self.shift_end <= self.shift_start:
            raise InvalidValue("shift_end", "the shift ends before it starts")


@dataclass(frozen=True, slots=True)
class Truth:
    """What the scenario knows about an order that the operator's systems do not."""

    point: GeoPoint
    address_error: str  # "", "typo" or "incomplete"
    absent: bool
    service_noise: float
    cancel_after_s: float | None = None


@dataclass(frozen=True, slots=True)
class Disruption:
    """A mid-day rain spell and a road closure."""

    rain_start_s: float
    rain_end_s: float
    rain_factor: float
    closure_start_s: float
    closure_end_s: float
    closure_center: GeoPoint
    closure_radius_m: float
    closure_street: str
    # A van of the first wave breaks down as the closure starts (the busiest one left).
    van_breakdown: bool = False


@dataclass
class Scenario:
    """The drawn world of one day."""

    config: ScenarioConfig
    places: OsmPlaces
    day: date
    warehouses: list[Warehouse]
    central: Warehouse
    skus: list[Sku]
    stock: dict[tuple[str, str], int]
    vehicles: list[Vehicle]
    orders: list[Order]
    truth: dict[str, Truth]
    history: NDArray[np.float64]  # days x skus x warehouses: units sold per day
    disruption: Disruption
    address_pool: list[AddressPoint] = field(default_factory=list)

    def at(self, seconds: float) -> datetime:
        """Return the local datetime ``seconds`` after midnight of the day."""
        return datetime.combine(self.day, time(0), LOCAL) + timedelta(seconds=seconds)

    def seconds(self, moment: datetime) -> float:
        """Return seconds since midnight of the day (negative for the day before)."""
        return (moment - datetime.combine(self.day, time(0), LOCAL)).total_seconds()


def default_osm_path() -> Path:
    """Return the OSM extract the demo uses: the package's, else the shared data's."""
    try:
        shipped = sorted(
            Path(str(p))
            for p in resources.files("lastmile.data").joinpath("osm").iterdir()
            if str(p).endswith(".osm.pbf")
        )
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError):
        shipped = []
    baltimore = [p for p in shipped if "baltimore" in p.name]
    if baltimore or shipped:
        return (baltimore or shipped)[0]
    shared = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "osm"
    candidate = shared / "baltimore_md_valhalla_2015.osm.pbf"
    if candidate.is_file():
        return candidate
    raise FileNotFoundError(
        "no OSM extract: the package ships none and ../shared is absent; pass --osm FILE"
    )


@functools.cache
def _distributions() -> dict[str, object]:
    text = resources.files("lastmile.data").joinpath("scenario/sku_distributions.json")
    data: dict[str, object] = json.loads(text.read_text())
    return data


def on_network(places: OsmPlaces, *, within_m: float = 500.0) -> OsmPlaces:
    """Keep only the addresses and sites the road network reaches (its largest strongly
    connected part, within ``within_m``): an extract's edges hold places no van can reach.
    """
    from lastmile.geo.network import load_network

    try:
        network = load_network(places.path)
    except ValueError as exc:
        raise NoDrivableNetwork(places.path, str(exc)) from exc

    def near(lat: list[float], lon: list[float]) -> NDArray[np.bool_]:
        if not lat:
            return np.zeros(0, dtype=bool)
        snap = network.snap_arrays(np.asarray(lat), np.asarray(lon))
        return np.asarray(snap.distances_m <= within_m)

    keep_a = near([a.lat for a in places.addresses], [a.lon for a in places.addresses])
    keep_i = near([i.lat for i in places.industrial], [i.lon for i in places.industrial])
    keep_s = near([n[0] for n in places.street_nodes], [n[1] for n in places.street_nodes])
    if not keep_a.any() and not keep_s.any():
        raise NoDrivableNetwork(places.path, "no address or street lies on its road network")
    return replace(
        places,
        addresses=[a for a, k in zip(places.addresses, keep_a, strict=True) if k],
        industrial=[i for i, k in zip(places.industrial, keep_i, strict=True) if k],
        street_nodes=[n for n, k in zip(places.street_nodes, keep_s, strict=True) if k],
    )


def generate(config: ScenarioConfig | None = None, *, places: OsmPlaces | None = None) -> Scenario:
    """Draw a scenario.

    Parameters
    ----------
    config
        What to draw; the demo day by default.
    places
        An already read extract, to skip re-reading the OSM file.

    Returns
    -------
    Scenario
        The same object, field for field, for the same config and extract.
    """
    config = config or ScenarioConfig()
    places = on_network(places or read_places(config.osm_path or default_osm_path()))
    rng = np.random.default_rng(config.seed)
    points = address_pool(places, rng)
    weights = rng.lognormal(0.0, 1.0, len(points))
    weights /= weights.sum()
    # A site staffed for its volume: at least 600 units an hour, enough to pick a day's
    # units in about two hours (so a 20,000-order day is not throttled by picking alone).
    pick_rate = max(600, math.ceil(config.orders * 1.2 / config.warehouses / 2.0))
    warehouses, central = place_warehouses(
        places, points, weights, config.warehouses, pick_rate=pick_rate
    )
    skus, popularity = _skus(config, rng)
    orders, truth = _orders(config, rng, points, weights, skus, popularity)
    share = warehouse_share(warehouses, points, weights)
    stock, history = _stock(config, rng, skus, popularity, warehouses, share)
    vehicles = _fleet(config, warehouses, share)
    return Scenario(
        config=config,
        places=places,
        day=config.day,
        warehouses=warehouses,
        central=central,
        skus=skus,
        stock=stock,
        vehicles=vehicles,
        orders=orders,
        truth=truth,
        history=history,
        disruption=_disruption(places, points, weights, rng),
        address_pool=points,
    )


def _skus(
    config: ScenarioConfig, rng: np.random.Generator
) -> tuple[list[Sku], NDArray[np.float64]]:
    """Draw SKUs from the shipped per-category log-normal size and weight distributions."""
    dist = _distributions()
    categories = dist["categories"]
    quantiles = dist["quantiles"]
    assert isinstance(categories, dict) and isinstance(quantiles, dict)
    names = sorted(categories)
    shares = np.array([categories[n]["share"] for n in names], dtype=np.float64)
    picks = rng.choice(len(names), size=config.skus, p=shares / shares.sum())
    lo = np.array(
        [quantiles[c]["0.01"] for c in ("weight_g", "length_cm", "width_cm", "height_cm")]
    )
    hi = np.array(
        [quantiles[c]["0.99"] for c in ("weight_g", "length_cm", "width_cm", "height_cm")]
    )
    skus: list[Sku] = []
    for i, c in enumerate(picks.tolist()):
        cat = categories[names[c]]
        draw = np.exp(rng.multivariate_normal(cat["log_mean"], cat["log_cov"]))
        weight_g, length, width, height = np.clip(draw, lo, hi)
        value = float(cat["price_median"]) * float(rng.lognormal(0.0, cat["price_log_sd"]))
        skus.append(
            Sku(
                f"SKU-{i:05d}",
                f"{names[c].replace('_', ' ')} item {i}",
                Dimensions(
                    round(float(length), 1), round(float(width), 1), round(float(height), 1)
                ),
                round(float(weight_g) / 1000.0, 3),
                round(value / 5.0, 2),
                names[c],
            )
        )
    # Demand across an assortment is heavy-tailed: a few SKUs sell most units.
    popularity = 1.0 / np.arange(1, config.skus + 1) ** 0.9
    popularity = popularity[rng.permutation(config.skus)]
    return skus, popularity / popularity.sum()


def _mistype(street: str, rng: np.random.Generator) -> str:
    letters = [i for i, ch in enumerate(street) if ch.isalpha()]
    if len(letters) < 4:
        return street
    i = int(rng.choice(letters[1:]))
    kind = int(rng.integers(3))
    if kind == 0:  # dropped letter
        return street[:i] + street[i + 1 :]
    if kind == 1 and i + 1 < len(street):  # swapped neighbours
        return street[:i] + street[i + 1] + street[i] + street[i + 2 :]
    return street[:i] + street[i] + street[i:]  # doubled letter


def _order_times(
    config: ScenarioConfig, rng: np.random.Generator, option: DeliveryOption
) -> tuple[datetime, TimeWindow | None]:
    dist = _distributions()
    hours = np.asarray(dist["order_hour_share"], dtype=np.float64)
    day0 = datetime.combine(config.day, time(0), LOCAL)
    if option is DeliveryOption.SAME_DAY:
        # Same-day orders come in this morning; some miss the noon cut-off.
        h = hours[6:14] / hours[6:14].sum()
        hour = 6 + int(rng.choice(8, p=h))
        return day0 + timedelta(hours=hour, seconds=float(rng.uniform(0, 3600))), None
    placed = (
        day0
        - timedelta(days=1)
        + timedelta(
            hours=int(rng.choice(24, p=hours / hours.sum())), seconds=float(rng.uniform(0, 3600))
        )
    )
    if option is DeliveryOption.NEXT_DAY:
        return placed, None
    start_hour = int(rng.choice([9, 11, 13, 15, 17], p=[0.2, 0.2, 0.2, 0.2, 0.2]))
    window = TimeWindow(day0 + timedelta(hours=start_hour), day0 + timedelta(hours=start_hour + 2))
    return placed, window


def _orders(
    config: ScenarioConfig,
    rng: np.random.Generator,
    points: list[AddressPoint],
    weights: NDArray[np.float64],
    skus: list[Sku],
    popularity: NDArray[np.float64],
) -> tuple[list[Order], dict[str, Truth]]:
    dist = _distributions()
    lines_share = dist["lines_per_order_share"]
    units_share = dist["units_per_line_share"]
    assert isinstance(lines_share, dict) and isinstance(units_share, dict)
    n_lines = np.array([int(k) for k in lines_share])
    p_lines = np.array(list(lines_share.values()), dtype=np.float64)
    n_units = np.array([int(k) for k in units_share])
    p_units = np.array(list(units_share.values()), dtype=np.float64)
    options = [DeliveryOption.NEXT_DAY, DeliveryOption.SAME_DAY, DeliveryOption.SLOT]
    p_option = [
        1.0 - config.share_same_day - config.share_slot,
        config.share_same_day,
        config.share_slot,
    ]
    orders: list[Order] = []
    truth: dict[str, Truth] = {}
    picks = rng.choice(len(points), size=config.orders, p=weights)
    for k in range(config.orders):
        point = points[int(picks[k])]
        option = options[int(rng.choice(3, p=p_option))]
        placed, window = _order_times(config, rng, option)
        count = int(rng.choice(n_lines, p=p_lines / p_lines.sum()))
        chosen = rng.choice(len(skus), size=min(count, len(skus)), replace=False, p=popularity)
        lines = [
            OrderLine(skus[int(i)].sku_id, int(rng.choice(n_units, p=p_units / p_units.sum())))
            for i in chosen
        ]
        u = float(rng.uniform())
        error = (
            "typo"
            if u < config.share_typo
            else "incomplete"
            if u < config.share_typo + config.share_incomplete
            else ""
        )
        street = _mistype(point.street, rng) if error == "typo" else point.street
        number = "" if error == "incomplete" else point.house_number
        unit = f" Apt {int(rng.integers(1, 40))}" if rng.uniform() < 0.15 else ""
        raw = AddressPoint(
            number, street + unit, point.city, point.state, point.postcode, point.lat, point.lon
        ).text()
        order_id = f"ORD-{k:06d}"
        orders.append(
            Order(
                order_id=order_id,
                external_id=f"WEB-{100000 + k}",
                customer_id=f"CUST-{k:06d}",
                address=Address(raw),
                lines=lines,
                option=option,
                window=window,
                placed_at=placed,
            )
        )
        truth[order_id] = Truth(
            GeoPoint(point.lat, point.lon),
            error,
            absent=bool(rng.uniform() < config.share_absent),
            service_noise=float(rng.lognormal(0.0, 0.3)),
            cancel_after_s=(
                float(rng.uniform(1800, 8 * 3600))
                if rng.uniform() < config.share_cancelled
                else None
            ),
        )
    orders.sort(key=lambda o: (o.placed_at, o.order_id))
    return orders, truth


def _stock(
    config: ScenarioConfig,
    rng: np.random.Generator,
    skus: list[Sku],
    popularity: NDArray[np.float64],
    warehouses: list[Warehouse],
    share: NDArray[np.float64],
) -> tuple[dict[tuple[str, str], int], NDArray[np.float64]]:
    """Draw on-hand stock and the sales history it was replenished from."""
    units_per_order = 1.15
    daily = popularity[:, None] * share[None, :] * max(config.orders, 50) * units_per_order
    weekday = np.array([1.0, 0.95, 0.95, 1.0, 1.1, 1.15, 0.85])
    days = np.arange(_HISTORY_DAYS)
    season = weekday[(days + 1) % 7][:, None, None]
    history = rng.poisson(daily[None, :, :] * season).astype(np.float64)
    # Cover varies by SKU and site: some shelves are nearly empty on the morning of the day.
    cover = rng.gamma(2.0, config.mean_days_of_cover / 2.0, size=daily.shape)
    on_hand = np.ceil(daily * cover).astype(int)
    stock = {
        (sku.sku_id, wh.warehouse_id): int(on_hand[i, j])
        for i, sku in enumerate(skus)
        for j, wh in enumerate(warehouses)
    }
    return stock, history


def _fleet(
    config: ScenarioConfig, warehouses: list[Warehouse], share: NDArray[np.float64]
) -> list[Vehicle]:
    """Base vans at the warehouses in proportion to the demand each is nearest to."""
    counts = np.floor(share * config.vans).astype(int)
    for j in np.argsort(-(share * config.vans - counts))[: config.vans - counts.sum()]:
        counts[j] += 1
    # Every warehouse that ships needs a van, as long as the fleet has one to spare.
    for j in np.flatnonzero(counts == 0):
        donor = int(np.argmax(counts))
        if counts[donor] > 1:
            counts[donor] -= 1
            counts[j] += 1
    day0 = datetime.combine(config.day, time(0), LOCAL)
    shift = Shift(
        day0 + timedelta(hours=config.shift_start.hour, minutes=config.shift_start.minute),
        day0 + timedelta(hours=config.shift_end.hour, minutes=config.shift_end.minute),
    )
    capacity = Capacity(config.van_capacity_kg, config.van_capacity_l, config.van_capacity_parcels)
    vans: list[Vehicle] = []
    for wh, n in zip(warehouses, counts.tolist(), strict=True):
        for _ in range(n):
            vans.append(Vehicle(f"VAN-{len(vans) + 1:03d}", wh.warehouse_id, capacity, shift))
    return vans


def _disruption(
    places: OsmPlaces,
    points: list[AddressPoint],
    weights: NDArray[np.float64],
    rng: np.random.Generator,
) -> Disruption:
    """Put a road closure on a busy named street, a rain spell and a van breakdown at mid-day."""
    top = np.argsort(-weights)[: max(1, len(points) // 10)]
    target = points[int(rng.choice(top))]
    return Disruption(
        rain_start_s=11.5 * 3600,
        rain_end_s=14.5 * 3600,
        rain_factor=1.3,
        closure_start_s=11.0 * 3600,
        closure_end_s=16.0 * 3600,
        closure_center=GeoPoint(target.lat, target.lon),
        closure_radius_m=350.0,
        closure_street=target.street,
        van_breakdown=True,
    )
