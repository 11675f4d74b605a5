"""Contract pass-through nodes so bulk shortest paths run on junctions only.

Most nodes of an OSM graph only bend a street. A node with exactly two neighbours whose
arcs just continue the street (one-way or two-way) is a *through* node; every other
node is a *junction*. Each maximal directed walk between junctions is a *path*;
shortest paths run between junctions, and a point snapped to a through node leaves by
the end of a path (its *exit*) and is reached from the start of one (its *entry*), at a
known offset. Weights are integers (see ``encode``), so sums stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# A weight packs time (ms) above bit 24 and distance (dm) below it, so one Dijkstra on
# time yields the length of the fastest path too (ties go to the shorter one). Exact in
# float64 while paths stay under 2^29 ms (six days) and 2^24 dm (1,677 km) per path.
SHIFT = float(2**24)
INF = np.inf


def encode(time_s: NDArray[np.float64], length_m: NDArray[np.float64]) -> NDArray[np.float64]:
    """Pack per-edge seconds and metres into one exact float64 weight each."""
    ms = np.maximum(1.0, np.round(time_s * 1000.0))
    dm = np.round(length_m * 10.0)
    result: NDArray[np.float64] = ms * SHIFT + dm
    return result


def decode(weight: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Unpack weights (sums of encoded weights) into seconds and metres; ``inf`` stays."""
    # In place where possible: these arrays are N x N.
    ms = np.floor(weight / SHIFT)
    with np.errstate(invalid="ignore"):
        dm = weight - ms * SHIFT
    unreachable = np.isinf(ms)
    if unreachable.any():
        dm[unreachable] = INF
    ms /= 1000.0
    dm /= 10.0
    return ms, dm


@dataclass(frozen=True)
class Offsets:
    """Per node: up to two exits and entries (junction index, weight), ``-1``/``inf`` pad."""

    exit_junction: NDArray[np.int64]  # (n, 2)
    exit_weight: NDArray[np.float64]
    entry_junction: NDArray[np.int64]
    entry_weight: NDArray[np.float64]
    cum: NDArray[np.float64]  # running weight along paths, per path position
    closed_cum: NDArray[np.int64]  # closed arcs so far along paths, per path position


class Contraction:
    """The junction graph of a directed graph and how every node attaches to it.

    Parameters
    ----------
    n
        Number of nodes.
    u, v
        Arcs (unique pairs, no self loops).
    """

    def __init__(self, n: int, u: NDArray[np.int64], v: NDArray[np.int64]) -> None:
        self.n = n
        out_arcs: list[list[int]] = [[] for _ in range(n)]
        neighbours: list[set[int]] = [set() for _ in range(n)]
        for k, (a, b) in enumerate(zip(u.tolist(), v.tolist(), strict=True)):
            out_arcs[a].append(k)
            neighbours[a].add(b)
            neighbours[b].add(a)
        indeg = np.bincount(v, minlength=n)
        outdeg = np.bincount(u, minlength=n)
        degree = np.array([len(s) for s in neighbours])
        through = (degree == 2) & (((indeg == 1) & (outdeg == 1)) | ((indeg == 2) & (outdeg == 2)))
        if through.all() and n:
            through[0] = False  # a bare ring: cut it somewhere
        self.is_junction: NDArray[np.bool_] = ~through
        self.junction_nodes: NDArray[np.int64] = np.flatnonzero(~through).astype(np.int64)
        self.junction_of = np.full(n, -1, dtype=np.int64)
        self.junction_of[self.junction_nodes] = np.arange(self.junction_nodes.size)

        v_list = v.tolist()
        arcs: list[int] = []
        starts: list[int] = [0]
        path_src: list[int] = []
        path_dst: list[int] = []
        for j in self.junction_nodes.tolist():
            for first in out_arcs[j]:
                k = first
                prev = j
                while True:
                    arcs.append(k)
                    node = v_list[k]
                    if not through[node]:
                        break
                    # Continue along the street: the out-arc that does not turn back.
                    nxt = [a for a in out_arcs[node] if v_list[a] != prev]
                    if not nxt:
                        break
                    prev, k = node, nxt[0]
                starts.append(len(arcs))
                path_src.append(j)
                path_dst.append(v_list[k])
        self.path_arcs = np.asarray(arcs, dtype=np.int64)
        self.path_start = np.asarray(starts, dtype=np.int64)
        self.path_src = np.asarray(path_src, dtype=np.int64)
        self.path_dst = np.asarray(path_dst, dtype=np.int64)
        lengths = np.diff(self.path_start)
        self.position_path = np.repeat(np.arange(lengths.size), lengths)

        # Positions whose arc ends in a through node: that node's membership in the path.
        heads = v[self.path_arcs]
        member = np.flatnonzero(through[heads])
        self.slot_position = np.full((n, 2), -1, dtype=np.int64)
        counts = np.zeros(n, dtype=np.int64)
        for pos in member.tolist():
            node = int(heads[pos])
            if counts[node] < 2:
                self.slot_position[node, counts[node]] = pos
                counts[node] += 1

        # Junction-to-junction pairs, parallel paths merged by the cheapest.
        loop = self.path_src == self.path_dst
        pair_key = self.junction_of[self.path_src] * max(1, self.junction_nodes.size)
        pair_key = pair_key + self.junction_of[self.path_dst]
        pair_key = np.where(loop, -1, pair_key)
        keys, self.path_pair = np.unique(pair_key, return_inverse=True)
        self.path_pair = self.path_pair.astype(np.int64)
        self._loop_pair = int(np.searchsorted(keys, -1)) if loop.any() else -1
        nj = max(1, self.junction_nodes.size)
        self.pair_u = (keys // nj).astype(np.int64)
        self.pair_v = (keys % nj).astype(np.int64)

    def _slots(self, nodes: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Return (index into ``nodes``, path position) of every path membership."""
        pos = self.slot_position[nodes]  # (k, 2)
        which, slot = np.nonzero(pos >= 0)
        return which.astype(np.int64), pos[which, slot]

    def _same_path_pairs(
        self, src: NDArray[np.int64], dst: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """Return (i, j, position of src i, position of dst j) for pairs on one path, j ahead."""
        si, sp = self._slots(src)
        di, dp = self._slots(dst)
        order = np.argsort(self.position_path[dp], kind="stable")
        di, dp = di[order], dp[order]
        dst_path = self.position_path[dp]
        src_path = self.position_path[sp]
        lo = np.searchsorted(dst_path, src_path, side="left")
        hi = np.searchsorted(dst_path, src_path, side="right")
        counts = hi - lo
        total = int(counts.sum())
        ii = np.repeat(si, counts)
        p_from = np.repeat(sp, counts)
        first = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        k = first + np.arange(total)
        jj, p_to = di[k], dp[k]
        ahead = p_to > p_from
        return ii[ahead], jj[ahead], p_from[ahead], p_to[ahead]

    @property
    def junction_count(self) -> int:
        return int(self.junction_nodes.size)

    def exit_junctions(self, nodes: NDArray[np.int64]) -> NDArray[np.int64]:
        """Return every junction (index) the given nodes can leave by."""
        junction = self.junction_of[nodes]
        out = [junction[junction >= 0]]
        for s in (0, 1):
            pos = self.slot_position[nodes, s]
            pos = pos[pos >= 0]
            out.append(self.junction_of[self.path_dst[self.position_path[pos]]])
        return np.concatenate(out)

    def pair_weights(self, arc_weight: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the weight of each junction pair (``inf`` when every path is closed)."""
        per_path = np.add.reduceat(arc_weight[self.path_arcs], self.path_start[:-1])
        pair = np.full(self.pair_u.size, INF)
        np.minimum.at(pair, self.path_pair, per_path)
        if self._loop_pair >= 0:
            pair[self._loop_pair] = INF
        return pair

    def offsets(self, arc_weight: NDArray[np.float64]) -> Offsets:
        """Return how every node reaches its exits and is reached from its entries."""
        closed = ~np.isfinite(arc_weight)
        w = np.where(closed, 0.0, arc_weight)[self.path_arcs]
        c = closed[self.path_arcs].astype(np.int64)
        # Running sums restarted at each path start.
        base_w = np.concatenate([[0.0], np.cumsum(w)])
        base_c = np.concatenate([[0], np.cumsum(c)])
        starts = self.path_start[:-1][self.position_path]
        ends = self.path_start[1:][self.position_path]
        cum = base_w[1:] - base_w[starts]
        closed_cum = base_c[1:] - base_c[starts]
        total_w = base_w[ends] - base_w[starts]
        total_c = base_c[ends] - base_c[starts]

        n = self.n
        exit_j = np.full((n, 2), -1, dtype=np.int64)
        exit_w = np.full((n, 2), INF)
        entry_j = np.full((n, 2), -1, dtype=np.int64)
        entry_w = np.full((n, 2), INF)
        jn = self.junction_nodes
        exit_j[jn, 0] = np.arange(jn.size)
        exit_w[jn, 0] = 0.0
        entry_j[jn, 0] = np.arange(jn.size)
        entry_w[jn, 0] = 0.0
        for s in (0, 1):
            nodes = np.flatnonzero(self.slot_position[:, s] >= 0)
            pos = self.slot_position[nodes, s]
            path = self.position_path[pos]
            exit_j[nodes, s] = self.junction_of[self.path_dst[path]]
            exit_w[nodes, s] = np.where(
                total_c[pos] - closed_cum[pos] > 0, INF, total_w[pos] - cum[pos]
            )
            entry_j[nodes, s] = self.junction_of[self.path_src[path]]
            entry_w[nodes, s] = np.where(closed_cum[pos] > 0, INF, cum[pos])
        return Offsets(exit_j, exit_w, entry_j, entry_w, cum, closed_cum)

    def assemble(
        self,
        junction_rows: NDArray[np.float64],
        row_of_junction: NDArray[np.int64],
        src: NDArray[np.int64],
        dst: NDArray[np.int64],
        offsets: Offsets,
    ) -> NDArray[np.float64]:
        """Return node-to-node weights from ``src`` to ``dst`` nodes.

        ``junction_rows[row_of_junction[j]]`` holds the shortest weights from junction
        ``j`` to every junction; a last all-``inf`` row and column pad missing exits.
        """
        pad_row = junction_rows.shape[0] - 1
        pad_col = junction_rows.shape[1] - 1
        best = np.full((src.size, dst.size), INF)
        for a in (0, 1):
            ej = offsets.exit_junction[src, a]
            rows = np.where(ej >= 0, row_of_junction[np.maximum(ej, 0)], pad_row)
            rows = np.where(rows >= 0, rows, pad_row)
            ew = offsets.exit_weight[src, a]
            for b in (0, 1):
                nj = offsets.entry_junction[dst, b]
                cols = np.where(nj >= 0, nj, pad_col)
                cand = junction_rows[np.ix_(rows, cols)]
                cand += ew[:, None]
                cand += offsets.entry_weight[dst, b][None, :]
                np.minimum(best, cand, out=best)
        # Both ends on the same path, the target downstream: drive straight along it.
        ii, jj, p_from, p_to = self._same_path_pairs(src, dst)
        if ii.size:
            blocked = offsets.closed_cum[p_to] - offsets.closed_cum[p_from] > 0
            direct = np.where(blocked, INF, offsets.cum[p_to] - offsets.cum[p_from])
            np.minimum.at(best, (ii, jj), direct)
        best[src[:, None] == dst[None, :]] = 0.0
        return best
