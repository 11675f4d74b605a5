"""Geography: road matrices, geocoding accuracy, address parsing.

(a) A 2,000 x 2,000 travel-time matrix on the shipped Baltimore network (points at random
    positions along random roads, jittered up to 15 m), its wall and CPU time in one
    process and with the Dijkstra rows split over two (``workers=2``), the
    incremental recompute after closing one street, and the ratio of road to straight-
    line times (the haversine fallback's estimate); a 500 x 500 matrix on Liechtenstein
    shows that any extract works.
(b) Geocoding the extract's own OSM address points (shared/data/addresses): exact inputs,
    then inputs corrupted the way people mistype (a typo in the street, a missing or
    wrong suffix, no ZIP, two adjacent digits of the number swapped). Corrupted strings
    are matched by text only. Since exact inputs find their own point in the index, a
    5-fold hold-out also geocodes each address with its own point removed (the
    interpolation path), which is the honest figure for addresses OSM does not know.
(c) usaddress components against the labelled strings in shared/data/addresses. These are
    usaddress's own training data, so the figure is an upper bound.

    python -m benchmarks.geo            # full run
    python -m benchmarks.geo --quick    # seconds
"""

from __future__ import annotations

import argparse
import csv
import functools
import random
import re
import time
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import usaddress

from benchmarks.common import SHARED, Target, print_summary, print_table, write_result
from lastmile.domain.geo import GeoPoint, haversine_m
from lastmile.geo.addresses import DIRECTIONS, SUFFIXES
from lastmile.geo.gazetteer import Gazetteer
from lastmile.geo.geocoder import Geocoder
from lastmile.geo.network import RoadNetwork, load_network
from lastmile.geo.osm import AddressPoint
from lastmile.geo.road import RoadTravelTimes
from lastmile.geo.travel import HaversineTravelTimes

ADDRESSES = SHARED / "data" / "addresses" / "baltimore_osm_addresses.csv"
LIECHTENSTEIN = SHARED / "data" / "osm" / "liechtenstein_valhalla_2015.osm.pbf"


# ----------------------------------------------------------------------------- (a)
def road_points(net: RoadNetwork, n: int, rng: np.random.Generator) -> list[GeoPoint]:
    """Return ``n`` points at random positions along random edges, jittered up to 15 m."""
    edges = rng.integers(0, net.edge_count, n)
    t = rng.random(n)
    u, v = net.edge_u[edges], net.edge_v[edges]
    lat = net.node_lat[u] + t * (net.node_lat[v] - net.node_lat[u])
    lon = net.node_lon[u] + t * (net.node_lon[v] - net.node_lon[u])
    lat += rng.uniform(-15, 15, n) / 111_320
    lon += rng.uniform(-15, 15, n) / (111_320 * np.cos(np.radians(lat)))
    return [GeoPoint(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``fn``; return its result, wall seconds and process CPU seconds."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def bench_matrix(n: int, seed: int) -> dict[str, Any]:
    _, load_s, _ = timed(lambda: load_network())
    net = load_network()
    rng = np.random.default_rng(seed)
    points = road_points(net, n, rng)
    # Best of three cold runs: the machine is shared, and the best run is the one least
    # disturbed by other processes (as timeit does); all three are recorded.
    # Each configuration: one process, and the Dijkstra rows split over two processes.
    runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    for workers in (1, 2):
        for _ in range(3):
            source = RoadTravelTimes(net, workers=workers)
            m, wall, cpu = timed(functools.partial(source.matrix, points))
            runs[workers].append((wall, cpu))
    stats_full = source.last_stats
    best_workers = min(runs, key=lambda w: min(runs[w])[0])
    wall, cpu = min(runs[best_workers])
    _, wall_cached, _ = timed(lambda: source.matrix(points))

    # One street closed: only trees through it are recomputed.
    street = "Boston Street" if len(net.edges_named("Boston Street")) else net.street_names[0]
    boston = source.conditions.close(edges=net.edges_named(street), reason="benchmark")
    m_closed, wall_inc, _ = timed(lambda: source.matrix(points))
    stats_inc = source.last_stats
    # Single-block closures (both directions) at random: how many rows each one forces
    # to be recomputed depends on how many shortest paths used that block.
    source.conditions.lift(boston)
    source.matrix(points)
    block_rows: list[int] = []
    block_walls: list[float] = []
    for _ in range(5):
        k = int(rng.integers(0, net.edge_count))
        a, b = net.edge_u[k], net.edge_v[k]
        block = np.flatnonzero(
            ((net.edge_u == a) & (net.edge_v == b)) | ((net.edge_u == b) & (net.edge_v == a))
        )
        event = source.conditions.close(edges=block, reason="benchmark block")
        m_block, wall_block, _ = timed(lambda: source.matrix(points))
        block_rows.append(source.last_stats.rows_recomputed)
        block_walls.append(wall_block)
        last_event = event
    m_fresh = RoadTravelTimes(net, conditions=source.conditions).matrix(points)
    incremental_exact = bool(np.array_equal(m_block.durations_s, m_fresh.durations_s))
    source.conditions.lift(last_event)

    # Road against straight line, pairs at least 200 m apart.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        straight = HaversineTravelTimes().matrix(points)
        crow = HaversineTravelTimes(detour_factor=1.0).matrix(points)
    far = crow.distances_m > 200
    finite = np.isfinite(m.durations_s)
    mask = far & finite
    rush = RoadTravelTimes(net).matrix(points[:300], depart_at=datetime(2026, 11, 30, 8, 0))
    free = m.durations_s[:300, :300]
    rush_mask = mask[:300, :300]

    li: dict[str, Any] = {}
    if LIECHTENSTEIN.is_file():
        _, li_load, _ = timed(lambda: load_network(LIECHTENSTEIN))
        li_net = load_network(LIECHTENSTEIN)
        li_pts = road_points(li_net, min(n, 500), rng)
        li_m, li_wall, _ = timed(lambda: RoadTravelTimes(li_net).matrix(li_pts))
        li = {
            "nodes": li_net.node_count,
            "edges": li_net.edge_count,
            "load_s": li_load,
            "points": len(li_pts),
            "matrix_wall_s": li_wall,
            "finite_share": float(np.isfinite(li_m.durations_s).mean()),
        }
    return {
        "points": n,
        "network": {"nodes": net.node_count, "edges": net.edge_count, "load_s": load_s},
        "junctions": source.contraction.junction_count,
        "matrix_wall_s": wall,
        "matrix_cpu_s": cpu,
        "matrix_workers_of_best_run": best_workers,
        "matrix_runs_wall_cpu_s_by_workers": runs,
        "matrix_best_wall_s_one_process": min(runs[1])[0],
        "matrix_best_wall_s_two_processes": min(runs[2])[0],
        "note_cpu_s": "process CPU of the parent only; with 2 workers the child's is not counted",
        "dijkstra_rows": stats_full.rows_total,
        "cached_wall_s": wall_cached,
        "closure_street": street,
        "closure_wall_s": wall_inc,
        "closure_rows_recomputed": stats_inc.rows_recomputed,
        "closure_pairs_longer": int((m_closed.durations_s > m.durations_s + 1e-9).sum()),
        "block_closures_wall_s": block_walls,
        "block_closures_rows_recomputed": block_rows,
        "incremental_equals_fresh": incremental_exact,
        "finite_share": float(finite.mean()),
        "median_road_over_straight_line_distance": float(
            np.median(m.distances_m[mask] / crow.distances_m[mask])
        ),
        "median_road_over_haversine_estimate_time": float(
            np.median(m.durations_s[mask] / straight.durations_s[mask])
        ),
        "median_road_time_s": float(np.median(m.durations_s[mask])),
        "median_haversine_estimate_time_s": float(np.median(straight.durations_s[mask])),
        "median_rush_hour_over_free_flow": float(
            np.median(rush.durations_s[rush_mask] / free[rush_mask])
        ),
        "liechtenstein": li,
    }


# ----------------------------------------------------------------------------- (b)
SUFFIX_SWAP = {
    "Street": "Avenue",
    "Avenue": "Street",
    "Road": "Street",
    "Drive": "Road",
    "Court": "Street",
    "Lane": "Street",
    "Boulevard": "Avenue",
    "Place": "Street",
    "Way": "Road",
    "Terrace": "Road",
}


def load_addresses() -> list[dict[str, str]]:
    with ADDRESSES.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if r["street"] and re.fullmatch(r"\d+[A-Za-z]?", r["housenumber"])]


def as_query(row: dict[str, str], street: str | None = None, number: str | None = None) -> str:
    parts = [f"{number or row['housenumber']} {street or row['street']}"]
    if row["city"]:
        parts.append(row["city"])
    tail = " ".join(p for p in ((row["state"] or "MD"), row["postcode"]) if p)
    parts.append(tail)
    return ", ".join(parts)


def typo(word: str, rng: random.Random) -> str:
    """Apply one keyboard slip (substitute, drop, double, swap) inside a word."""
    if len(word) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["sub", "drop", "double", "swap"])
    if kind == "sub":
        letter = rng.choice("aeiourstnl".replace(word[i].lower(), ""))
        return word[:i] + letter + word[i + 1 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def corrupt(row: dict[str, str], kind: str, rng: random.Random) -> str | None:
    """Return the row's address mistyped one way, or ``None`` when that slip cannot apply."""
    words = row["street"].split()
    if kind == "typo":
        # A slip in the name itself, not in its direction or suffix.
        name_words = [
            i for i, w in enumerate(words) if w.upper() not in DIRECTIONS | SUFFIXES
        ] or list(range(len(words)))
        k = max(name_words, key=lambda i: len(words[i]))
        words[k] = typo(words[k], rng)
        return as_query(row, street=" ".join(words))
    if kind == "suffix":
        if len(words) < 2 or words[-1] not in SUFFIX_SWAP:
            return None
        words = words[:-1] if rng.random() < 0.5 else [*words[:-1], SUFFIX_SWAP[words[-1]]]
        return as_query(row, street=" ".join(words))
    if kind == "no_zip":
        return as_query({**row, "postcode": ""})
    if kind == "swapped_number":
        digits = re.match(r"\d+", row["housenumber"])
        num = digits.group() if digits else ""
        spots = [i for i in range(len(num) - 1) if num[i] != num[i + 1]]
        if not spots or len(num) < 2:
            return None
        i = rng.choice(spots)
        swapped = num[:i] + num[i + 1] + num[i] + num[i + 2 :]
        if swapped.startswith("0"):
            return None
        return as_query(row, number=swapped + row["housenumber"][len(num) :])
    raise ValueError(kind)


def score(geocoder: Geocoder, queries: list[tuple[str, float, float]]) -> dict[str, Any]:
    within25 = within100 = flagged = confident_far = ok_or_flagged = 0
    methods: dict[str, int] = {}
    for text, lat, lon in queries:
        r = geocoder.geocode(text)
        is_flagged = r.status != "ok"
        flagged += is_flagged
        if r.geocode is None:
            ok_or_flagged += 1
            methods["none"] = methods.get("none", 0) + 1
            continue
        methods[r.geocode.method.value] = methods.get(r.geocode.method.value, 0) + 1
        d = haversine_m(lat, lon, r.geocode.point.lat, r.geocode.point.lon)
        within25 += d <= 25
        within100 += d <= 100
        ok_or_flagged += (d <= 100) or is_flagged
        confident_far += (d > 500) and not is_flagged
    n = max(1, len(queries))
    return {
        "n": len(queries),
        "within_25m": within25 / n,
        "within_100m": within100 / n,
        "flagged": flagged / n,
        "within_100m_or_flagged": ok_or_flagged / n,
        "confident_over_500m": confident_far,
        "methods": methods,
    }


def bench_geocoding(limit: int | None, seed: int) -> dict[str, Any]:
    rows = load_addresses()
    rng = random.Random(seed)
    if limit is not None:
        rows = rng.sample(rows, min(limit, len(rows)))
    net = load_network()
    geocoder, build_s, _ = timed(lambda: Geocoder.from_network(net))
    truth = [(float(r["lat"]), float(r["lon"])) for r in rows]
    results: dict[str, Any] = {"gazetteer_build_s": build_s, "streets": len(geocoder.gazetteer)}
    exact = [(as_query(r), *t) for r, t in zip(rows, truth, strict=True)]
    (results["exact"], wall, _) = timed(lambda: score(geocoder, exact))
    results["exact"]["per_address_ms"] = 1000 * wall / max(1, len(exact))
    for kind in ("typo", "suffix", "no_zip", "swapped_number"):
        qs = []
        for r, t in zip(rows, truth, strict=True):
            q = corrupt(r, kind, rng)
            if q is not None:
                qs.append((q, *t))
        results[kind] = score(geocoder, qs)
        results[kind]["example"] = qs[0][0] if qs else ""

    # Hold-out: each address geocoded by a gazetteer that never saw its point.
    points = net.extract.addresses
    folds = 5
    order = list(range(len(rows)))
    rng.shuffle(order)
    holdout_queries: list[tuple[str, float, float]] = []
    holdout_scores = []
    for f in range(folds):
        test = [rows[i] for i in order[f::folds]]
        hidden = {(r["housenumber"], r["street"], round(float(r["lat"]), 6)) for r in test}
        kept = [p for p in points if (p.housenumber, p.street, round(p.lat, 6)) not in hidden]
        gz = Gazetteer.from_extract(net.extract, addresses=kept)
        qs = [(as_query(r), float(r["lat"]), float(r["lon"])) for r in test]
        holdout_queries += qs
        holdout_scores.append((len(qs), score(Geocoder(gz), qs)))
    total = sum(n for n, _ in holdout_scores)
    results["holdout_exact"] = {
        key: sum(n * s[key] for n, s in holdout_scores) / max(1, total)
        for key in ("within_25m", "within_100m", "flagged", "within_100m_or_flagged")
    }
    results["holdout_exact"]["confident_over_500m"] = sum(
        s["confident_over_500m"] for _, s in holdout_scores
    )
    results["holdout_exact"]["n"] = total
    _ = AddressPoint  # the hold-out filters the extract's own AddressPoint list
    return results


# ----------------------------------------------------------------------------- (c)
def _norm(text: str) -> str:
    return re.sub(r"[\s,.;#]+", " ", text).strip().upper()


def bench_usaddress(limit: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("usaddress_labeled.xml", "usaddress_us50_train_tagged.xml"):
        path = SHARED / "data" / "addresses" / name
        if not path.is_file():
            continue
        strings = ET.parse(path).getroot().findall("AddressString")
        if limit is not None:
            strings = strings[:limit]
        comp_right = comp_total = tok_right = tok_total = whole = 0
        for el in strings:
            text = "".join((c.text or "") + (c.tail or "") for c in el).strip()
            gold_tokens = [(c.text or "", c.tag) for c in el]
            gold: dict[str, str] = {}
            for tok, label in gold_tokens:
                gold[label] = f"{gold.get(label, '')} {tok}".strip()
            try:
                pred_tokens = usaddress.parse(text)
            except Exception:
                pred_tokens = []
            pred: dict[str, str] = {}
            for tok, label in pred_tokens:
                pred[label] = f"{pred.get(label, '')} {tok}".strip()
            right = sum(_norm(pred.get(k, "")) == _norm(v) for k, v in gold.items())
            comp_right += right
            comp_total += len(gold)
            whole += right == len(gold) and len(pred) == len(gold)
            if len(pred_tokens) == len(gold_tokens):
                tok_right += sum(
                    p[1] == g[1] for p, g in zip(pred_tokens, gold_tokens, strict=True)
                )
            tok_total += len(gold_tokens)
        out[name] = {
            "strings": len(strings),
            "component_share": comp_right / max(1, comp_total),
            "token_share": tok_right / max(1, tok_total),
            "whole_address_share": whole / max(1, len(strings)),
        }
    return out


# ----------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, seconds")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    quick = args.quick

    matrix = bench_matrix(300 if quick else 2000, args.seed)
    geocoding = bench_geocoding(150 if quick else None, args.seed) if ADDRESSES.is_file() else {}
    parsing = bench_usaddress(200 if quick else None)

    print_table(
        "travel-time matrix",
        ["points", "wall s", "cpu s", "cached s", "closure s (rows)", "road/straight"],
        [
            (
                matrix["points"],
                matrix["matrix_wall_s"],
                matrix["matrix_cpu_s"],
                matrix["cached_wall_s"],
                f"{matrix['closure_wall_s']:.2f} ({matrix['closure_rows_recomputed']})",
                matrix["median_road_over_haversine_estimate_time"],
            )
        ],
    )
    corrupted = [k for k in ("typo", "suffix", "no_zip", "swapped_number") if k in geocoding]
    if geocoding:
        print_table(
            "geocoding",
            ["input", "n", "<=25 m", "<=100 m", "flagged", "<=100 m or flagged", "conf >500 m"],
            [
                (
                    k,
                    geocoding[k]["n"],
                    geocoding[k]["within_25m"],
                    geocoding[k]["within_100m"],
                    geocoding[k]["flagged"],
                    geocoding[k]["within_100m_or_flagged"],
                    geocoding[k]["confident_over_500m"],
                )
                for k in ("exact", *corrupted, "holdout_exact")
            ],
        )
    print_table(
        "usaddress",
        ["file", "strings", "components", "tokens", "whole"],
        [
            (k, v["strings"], v["component_share"], v["token_share"], v["whole_address_share"])
            for k, v in parsing.items()
        ],
    )

    summary = {
        "matrix_2000x2000_wall_s": Target(matrix["matrix_wall_s"], 3.0, "s"),
        "median_road_over_haversine_time": Target(
            matrix["median_road_over_haversine_estimate_time"], 0.0, "ratio", True
        ),
    }
    if geocoding:
        n_corr = sum(geocoding[k]["n"] for k in corrupted)
        corr_ok = sum(geocoding[k]["n"] * geocoding[k]["within_100m_or_flagged"] for k in corrupted)
        far = sum(geocoding[k]["confident_over_500m"] for k in ("exact", *corrupted))
        summary |= {
            "exact_within_25m": Target(geocoding["exact"]["within_25m"], 0.98, "share", True),
            "corrupted_within_100m_or_flagged": Target(
                corr_ok / max(1, n_corr), 0.90, "share", True
            ),
            "confident_over_500m": Target(float(far), 0.0, "count"),
        }
    if "usaddress_labeled.xml" in parsing:
        summary["usaddress_component_share"] = Target(
            parsing["usaddress_labeled.xml"]["component_share"], 0.0, "share", True
        )
    print_summary(summary)
    write_result(
        "geo",
        summary,
        {"matrix": matrix, "geocoding": geocoding, "usaddress": parsing},
        quick=quick,
        command="python -m benchmarks.geo" + (" --quick" if quick else ""),
    )


if __name__ == "__main__":
    main()
