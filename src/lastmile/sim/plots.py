"""Figures of the day as PNG bytes: routes on the road map, the ETA drift, KPI differences."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from lastmile.sim.compare import EtaPoint, Row
from lastmile.sim.records import DayResult
from lastmile.sim.world import World


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def route_map(world: World, result: DayResult) -> bytes:
    """Draw the road network, every route of the day, the warehouses and the closure."""
    net = world.network
    fig, ax = plt.subplots(figsize=(10, 8))
    u, v = net.edge_u, net.edge_v
    segments = np.stack(
        [
            np.column_stack([net.node_lon[u], net.node_lat[u]]),
            np.column_stack([net.node_lon[v], net.node_lat[v]]),
        ],
        axis=1,
    )
    ax.add_collection(LineCollection(list(segments), colors="#d0d0d0", linewidths=0.4, zorder=1))
    points = world.travel.points
    cmap = plt.get_cmap("tab20")
    for k, route in enumerate(result.routes):
        path = [route.depot_location, *route.path, route.depot_location]
        xy = np.array([(points[i].lon, points[i].lat) for i in path])
        style = "-" if route.wave == 1 else "--"
        ax.plot(xy[:, 0], xy[:, 1], style, color=cmap(k % 20), linewidth=0.9, alpha=0.85, zorder=2)
        ax.scatter(xy[1:-1, 0], xy[1:-1, 1], s=4, color=cmap(k % 20), zorder=3)
    shown = {
        w.warehouse_id
        for w in (
            [world.scenario.central]
            if result.policy.single_warehouse
            else world.scenario.warehouses
        )
    }
    for w in [*world.scenario.warehouses, world.scenario.central]:
        if w.warehouse_id in shown and w.location is not None:
            ax.scatter(
                [w.location.lon], [w.location.lat], marker="s", s=90, color="black", zorder=5
            )
            ax.annotate(
                w.warehouse_id,
                (w.location.lon, w.location.lat),
                xytext=(5, 5),
                textcoords="offset points",
                fontsize=8,
                weight="bold",
            )
    d = world.scenario.disruption
    ax.scatter(
        [d.closure_center.lon],
        [d.closure_center.lat],
        marker="X",
        s=160,
        color="red",
        zorder=6,
        label=f"closure: {d.closure_street}",
    )
    ax.set_xlim(float(net.node_lon.min()), float(net.node_lon.max()))
    ax.set_ylim(float(net.node_lat.min()), float(net.node_lat.max()))
    ax.set_aspect(1.0 / np.cos(np.radians(float(net.node_lat.mean()))))
    ax.set_title(f"{len(result.routes)} routes (solid: wave 1, dashed: wave 2)")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    return _png(fig)


def eta_drift(
    with_reopt: Sequence[EtaPoint],
    without: Sequence[EtaPoint],
    *,
    rain: tuple[float, float],
    closure: tuple[float, float],
) -> bytes:
    """Plot how far each arrival missed the latest ETA, with and without re-planning."""
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for label, pts, color in (
        ("re-optimised on disruption", with_reopt, "#1f77b4"),
        ("no re-optimisation", without, "#d62728"),
    ):
        if not pts:
            continue
        x = np.array([p.planned_s for p in pts]) / 3600.0
        y = np.array([p.arrival_s - p.eta_s for p in pts]) / 60.0
        ax.scatter(x, y, s=5, alpha=0.5, color=color, label=label)
    ax.axvspan(rain[0] / 3600, rain[1] / 3600, color="#9ecae1", alpha=0.25, label="rain")
    ax.axvspan(
        closure[0] / 3600, closure[1] / 3600, color="#fdae6b", alpha=0.15, label="road closure"
    )
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xlabel("first ETA given to the customer (hour of day)")
    ax.set_ylabel("actual arrival - latest ETA sent (min)")
    ax.legend(fontsize=8, loc="upper left")
    return _png(fig)


def differences(rows: Sequence[Row], keys: Sequence[str], labels: dict[str, str]) -> bytes:
    """Bar chart: relative change of selected KPIs for each counterfactual."""
    fig, ax = plt.subplots(figsize=(10, 4.5))
    cfs = sorted({r.counterfactual for r in rows}, key=[r.counterfactual for r in rows].index)
    width = 0.8 / max(len(keys), 1)
    for k, key in enumerate(keys):
        values = []
        for cf in cfs:
            row = next(r for r in rows if r.counterfactual == cf and r.kpi == key)
            values.append(100.0 * row.difference / row.baseline if row.baseline else 0.0)
        ax.bar(np.arange(len(cfs)) + k * width, values, width, label=key.replace("_", " "))
    ax.set_xticks(np.arange(len(cfs)) + width * (len(keys) - 1) / 2)
    ax.set_xticklabels([labels.get(c, c) for c in cfs], fontsize=8)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_ylabel("change vs baseline (%)")
    ax.legend(fontsize=8)
    return _png(fig)
