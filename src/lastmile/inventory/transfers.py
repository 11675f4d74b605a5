"""Transfer suggestions: move surplus to a warehouse that will stock out, when it pays.

For one SKU, a warehouse *at risk* expects to run short before a purchase order could
arrive (within the replenishment lead time). A *donor* holds more than its own reorder
point. Moving ``q`` units from donor to receiver avoids the receiver's expected lost
sales after the transfer lands, and may add expected lost sales at the donor; the
transfer is suggested when the net lost sales avoided are worth more than it costs
(fixed cost per shipment + cost per unit on that lane). Expected shortages use the normal
loss function on the forecast and its backtest error, as the reorder points do.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from lastmile.inventory.fallback import split_id
from lastmile.inventory.forecast import FloatArray, ForecastBatch
from lastmile.inventory.policy import PolicyTable, lead_time_sigma, normal_loss, sum_ahead


@dataclass(frozen=True)
class TransferCosts:
    """What moving stock costs and what a lost sale costs.

    ``per_unit(from_wh, to_wh)`` is the lane's cost per unit; ``lost_sale`` the margin lost
    per unit of unmet demand, per SKU (``default_lost_sale`` for SKUs not listed).
    """

    per_unit: Callable[[str, str], float]
    fixed: float = 0.0
    lost_sale: Mapping[str, float] | None = None
    default_lost_sale: float = 10.0
    transit_periods: int = 1

    def lost_sale_of(self, sku_id: str) -> float:
        return (self.lost_sale or {}).get(sku_id, self.default_lost_sale)


@dataclass(frozen=True)
class TransferSuggestion:
    """Move ``quantity`` of ``sku_id`` from ``from_warehouse`` to ``to_warehouse``."""

    sku_id: str
    from_warehouse: str
    to_warehouse: str
    quantity: int
    cost: float
    lost_sales_avoided: float
    reason: str

    @property
    def net_benefit(self) -> float:
        return self.lost_sales_avoided - self.cost


def _expected_short(mu: float, sigma: float, stock: float) -> float:
    """Expected demand beyond ``stock`` when demand ~ N(mu, sigma)."""
    if sigma <= 0:
        return max(mu - stock, 0.0)
    return float(sigma * normal_loss(np.array([(stock - mu) / sigma]))[0])


def suggest_transfers(
    batch: ForecastBatch,
    policy: PolicyTable,
    on_hand: FloatArray,
    *,
    replenish_periods: int,
    costs: TransferCosts,
) -> list[TransferSuggestion]:
    """Suggest stock transfers between warehouses for every SKU of ``batch``.

    Parameters
    ----------
    batch, policy
        Forecasts and (s, S) of series ``sku@warehouse`` in the same order.
    on_hand
        Available stock (plus stock already on the way) per series.
    replenish_periods
        Periods until a purchase order placed now would arrive: the horizon over which a
        transfer is the only way to prevent a stockout.
    costs
        Lane costs and lost-sale values.

    Returns
    -------
    list[TransferSuggestion]
        Greedy: receivers in order of expected shortage, each served by the donor whose
        transfer has the best net benefit; the quantity maximises that benefit.
    """
    if batch.ids != policy.ids:
        raise ValueError("batch and policy must list the same series in the same order")
    n = len(batch)
    stock = np.asarray(on_hand, dtype=np.float64).copy()
    horizon = np.full(n, max(replenish_periods, 1), dtype=np.int64)
    transit = np.full(n, min(costs.transit_periods, int(horizon[0])), dtype=np.int64)
    mu_h, sig_h = sum_ahead(batch.mean, horizon), lead_time_sigma(batch, horizon)
    mu_t, sig_t = sum_ahead(batch.mean, transit), lead_time_sigma(batch, transit)
    by_sku: dict[str, list[int]] = defaultdict(list)
    for i, sid in enumerate(batch.ids):
        by_sku[split_id(sid)[0]].append(i)
    out: list[TransferSuggestion] = []
    for sku, rows in sorted(by_sku.items()):
        if len(rows) < 2:
            continue
        value = costs.lost_sale_of(sku)

        def short_with(i: int, extra: float) -> float:
            # Stock that lands after the transit time cannot serve demand before it.
            before = _expected_short(mu_t[i], sig_t[i], stock[i])
            after = _expected_short(mu_h[i], sig_h[i], stock[i] + extra)
            return max(after, before) if extra > 0 else after

        def donor_short(i: int, q: int) -> float:
            return _expected_short(mu_h[i], sig_h[i], stock[i] - q)

        receivers = sorted(
            (i for i in rows if short_with(i, 0.0) > 0.5),
            key=lambda i: -short_with(i, 0.0),
        )
        for r in receivers:
            best: TransferSuggestion | None = None
            for d in rows:
                surplus = math.floor(stock[d] - max(policy.reorder_point[d], mu_h[d]))
                if d == r or surplus <= 0:
                    continue
                _, wh_r = split_id(batch.ids[r])
                _, wh_d = split_id(batch.ids[d])
                unit_cost = costs.per_unit(wh_d, wh_r)
                base = short_with(r, 0.0) + short_with(d, 0.0)
                for q in _quantities(surplus):
                    gain = value * (base - short_with(r, q) - donor_short(d, q))
                    cost = costs.fixed + unit_cost * q
                    if gain - cost > 0 and (best is None or gain - cost > best.net_benefit):
                        best = TransferSuggestion(
                            sku,
                            wh_d,
                            wh_r,
                            q,
                            cost,
                            gain,
                            f"{wh_r} expects {short_with(r, 0.0):.1f} units short within "
                            f"{int(horizon[r])} periods; {wh_d} holds {surplus} above its "
                            "reorder point",
                        )

            if best is not None:
                out.append(best)
                stock[batch.ids.index(f"{sku}@{best.from_warehouse}")] -= best.quantity
                stock[r] += best.quantity
    return out


def _quantities(surplus: int) -> list[int]:
    """Candidate transfer sizes: every size when few, else a geometric ladder plus all."""
    if surplus <= 64:
        return list(range(1, surplus + 1))
    ladder = sorted({round(float(surplus * f)) for f in np.linspace(0.02, 1.0, 50)} | {surplus})
    return [q for q in ladder if q > 0]
