"""Sharing a city day's work among depots and parts by what the vans can carry and do.

Sending every stop to its nearest depot, and sharing a depot's vans among its parts by
stop count, leaves a busy depot's parts with fewer vans than their parcels need while
another depot's vans stand idle, and the solver then drops stops with room to spare in
the fleet. Here each stop's workload is measured in *vans*: the larger of its share of a
van's capacity (per load dimension) and its share of a van's working time (service plus
an estimate of the driving it adds). A depot takes stops up to its vans' workload less a
slack; the rest go to the next nearest depot with room.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from lastmile.routing.problem import HORIZON, VehicleSpec

if TYPE_CHECKING:
    from lastmile.routing.decompose import LargeInstance

#: Target fill of a depot's or a part's vans: a solver with a time budget needs room to
#: pack, and the workload of driving is only estimated.
SLACK = 1.15


@dataclass(frozen=True)
class Workload:
    """Each stop's work, in units a van's capacity and shift can be compared with."""

    demand: NDArray[np.float64]  # (stops, dims)
    seconds: NDArray[np.float64]  # service plus the driving it adds, per stop
    stem_s: NDArray[np.float64]  # (depots, stops): drive from depot to stop

    def vans(self, idx: NDArray[np.int64], fleet: Sequence[VehicleSpec], depot: int) -> float:
        """Return how many vans of ``fleet`` (one depot's specs) the stops ``idx`` need."""
        if not len(idx) or not fleet:
            return 0.0
        count = sum(v.count for v in fleet)
        cap = np.sum([np.asarray(v.capacity, float) * v.count for v in fleet], axis=0) / count
        by_load = float((self.demand[idx].sum(axis=0) / np.maximum(cap, 1.0)).max())
        # A van spends its shift less the drive out to the part and back on the stops.
        shift = sum(_shift_s(v) * v.count for v in fleet) / count
        stem = 2.0 * float(np.median(self.stem_s[depot, idx]))
        by_time = float(self.seconds[idx].sum()) / max(shift - stem, 0.1 * shift)
        return max(by_load, by_time)


def _shift_s(v: VehicleSpec) -> float:
    span = min(v.shift_end_s, float(HORIZON)) - v.shift_start_s
    if v.max_duration_s is not None:
        span = min(span, v.max_duration_s)
    return max(span, 1.0)


def workload(inst: LargeInstance, *, sample: int = 300, seed: int = 0) -> Workload:
    """Estimate each stop's workload from a sample of the travel matrix.

    Driving per stop is taken as the mean time to its three nearest neighbours: the
    matrix function is called on a sample only, to learn seconds per coordinate unit,
    since the full matrix is what decomposition exists to avoid.
    """
    d = len(inst.depots)
    xy = inst.coords[d:]
    n = len(xy)
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(n, size=min(n, sample), replace=False)).astype(np.int64)
    pts = np.concatenate([np.arange(d), d + pick]).astype(np.int64)
    dur, _ = inst.matrix(pts)
    geo = np.hypot(
        *(inst.coords[pts][:, None, :] - inst.coords[pts][None, :, :]).transpose(2, 0, 1)
    )
    ok = (geo > 0) & np.isfinite(dur)
    rate = float(np.median(dur[ok] / geo[ok])) if ok.any() else 0.0
    k = min(4, n)
    if k > 1:
        dist, _ = cKDTree(xy).query(xy, k=k)
        drive = rate * dist[:, 1:].mean(axis=1)
    else:
        drive = np.zeros(n)
    depot_geo = np.hypot(
        xy[None, :, 0] - inst.coords[:d, None, 0], xy[None, :, 1] - inst.coords[:d, None, 1]
    )
    return Workload(
        demand=inst.stops.demand.astype(float),
        seconds=inst.stops.service_s + drive,
        stem_s=rate * depot_geo,
    )


def assign_depots(
    inst: LargeInstance, work: Workload, home: list[int], *, slack: float = SLACK
) -> NDArray[np.int64]:
    """Return, per stop, the depot (an entry of ``home``) whose vans will serve it.

    Stops are placed in order of regret (how much farther their second-nearest depot
    is), each at the nearest depot that can carry it and still has room below
    ``1 / slack`` of its vans' workload; when every depot is full, at the least-filled
    of them, so that the shortage shows up as unserved stops with a reason, not as a
    crash.
    """
    d = len(inst.depots)
    n = len(inst.stops)
    xy = inst.coords[d:]
    specs = {dep: [v for v in inst.fleet if v.start_depot == dep] for dep in home}
    dist = np.stack([np.hypot(*(xy - inst.coords[dep]).T) for dep in home], axis=1)
    # What one stop costs each depot, in vans (capacity and time, whichever binds).
    cost = np.zeros((n, len(home)))
    room = np.zeros(len(home))
    for j, dep in enumerate(home):
        fleet = specs[dep]
        count = sum(v.count for v in fleet)
        cap = np.sum([np.asarray(v.capacity, float) * v.count for v in fleet], axis=0) / count
        shift = sum(_shift_s(v) * v.count for v in fleet) / count
        by_load = (work.demand / np.maximum(cap, 1.0)).max(axis=1)
        by_time = work.seconds / max(shift - 2 * float(np.median(work.stem_s[dep])), 0.1 * shift)
        cost[:, j] = np.maximum(by_load, by_time)
        room[j] = count / slack
        fits = _fits(inst, fleet)
        dist[~fits, j] = np.inf
    order_d = np.argsort(dist, axis=1)
    if len(home) > 1:
        srt = np.sort(dist, axis=1)
        regret = np.where(np.isfinite(srt[:, 1]), srt[:, 1] - srt[:, 0], np.inf)
    else:
        regret = np.zeros(n)
    out = np.empty(n, dtype=np.int64)
    used = np.zeros(len(home))
    for i in np.argsort(-regret, kind="stable"):
        for j in order_d[i]:
            if np.isfinite(dist[i, j]) and used[j] + cost[i, j] <= room[j]:
                break
        else:
            j = int(np.argmin(used / np.maximum(room, 1e-9)))
        used[j] += cost[i, j]
        out[i] = home[j]
    return out


def _fits(inst: LargeInstance, fleet: Sequence[VehicleSpec]) -> NDArray[np.bool_]:
    """Return which stops some van of ``fleet`` has the skills and capacity for."""
    st = inst.stops
    ok = np.zeros(len(st), dtype=bool)
    for v in fleet:
        skill = np.array(
            [
                sk <= v.skills and (not lk or lk == v.name)
                for sk, lk in zip(st.skills, st.locked_to, strict=True)
            ],
            dtype=bool,
        )
        ok |= skill & (st.demand <= np.asarray(v.capacity)).all(axis=1)
    return ok


def share_vans(
    fleet: Sequence[VehicleSpec], specs: list[int], need: NDArray[np.float64]
) -> list[list[int]]:
    """Share the vans of ``specs`` among parts in proportion to ``need``; returns counts.

    Every van is given to some part (largest remainders first); a part that needs any
    work done gets at least one van of the depot when there are enough to go round.
    """
    counts = [[0] * len(fleet) for _ in need]
    # With no work anywhere, spread the vans evenly rather than lose them.
    weight = need if float(need.sum()) > 0 else np.ones(len(need))
    for k in specs:
        avail = fleet[k].count
        raw = avail * weight / float(weight.sum())
        give = np.floor(raw).astype(int)
        for j in np.argsort(-(raw - give))[: avail - int(give.sum())]:
            give[j] += 1
        for j, g in enumerate(give):
            counts[j][k] = int(g)
    for j in range(len(need)):
        if need[j] > 0 and not any(counts[j][k] for k in specs):
            donor = max(range(len(need)), key=lambda m: sum(counts[m][k] for k in specs))
            give_k = next((k for k in specs if counts[donor][k] > 1), None)
            if give_k is not None:
                counts[donor][give_k] -= 1
                counts[j][give_k] += 1
    return counts


__all__ = ["SLACK", "Workload", "assign_depots", "share_vans", "workload"]
