"""Fill rate of a periodic-review (R, s, S) policy, and the reorder point that meets one.

The fill rate (share of demand served from the shelf) is computed per review period, with
backorder accounting, as in Axsäter (2006, *Inventory Control*, 2nd ed., ch. 5):

    1 - fill = ( E[(X_{L+R} - Y)+] - E[(X_L - Y)+] ) / mu_R

``X_n`` is the demand over the next ``n`` periods (forecast plus forecast error), ``Y``
the inventory position just after a review (after ordering), ``L`` the lead time, ``R``
the review period and ``mu_R`` the demand of one review period. The first term is the
shortage accumulated until the order placed now has arrived and the next one could
arrive; the second, the part of it that was already short before the last ``R``
periods. Unlike the textbook ``sigma * G(k) = (1 - fill) * Q`` this keeps the order-up-to
level ``S`` in the calculation (stock above ``s`` protects too), and it counts the
shortage once, not over the whole protection period.

``Y`` lies in ``(s, S]``: ``Y = S - U`` with ``U`` the demand since the last order. Its
distribution comes from renewal theory (Tijms and Groenevelt, 1984, *EJOR* 17:175-190;
Tijms, 2003, *A First Course in Stochastic Models*, on the renewal function):
``P(U <= u) = (1 + M(u)) / (1 + M(Q))`` with ``Q = S - s`` and the two-moment renewal
function of one review period's demand (mean ``mu``, squared coefficient of variation
``c2``)

    M(u) = max(0, u / mu + (c2 - 1) / 2),

so ``U`` has an atom at 0 (an order was just placed, ``Y = S``) and is uniform above
``u0 = max(0, (1 - c2) / 2) * mu``. Orders smaller than one period's demand make the
policy a base-stock one (``Y = S`` always); orders of many periods' demand make ``Y``
uniform on ``(s, S]`` as in the continuous (s, Q) model. With continuous review
(``R = 0``) the Hadley-Whitin (s, Q) formula is used instead:
``1 - fill = (E[(X_L - s)+] - E[(X_L - S)+]) / Q``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
_BISECTIONS = 60


def normal_loss(k: FloatArray) -> FloatArray:
    """Standard normal loss ``G(k) = E[(Z - k)+] = phi(k) - k (1 - Phi(k))``, elementwise."""
    from scipy.special import ndtr

    k = np.asarray(k, dtype=np.float64)
    phi = np.exp(-0.5 * k**2) / math.sqrt(2 * math.pi)
    result: FloatArray = phi - k * (1.0 - ndtr(k))
    return result


def normal_loss2(k: FloatArray) -> FloatArray:
    """Second-order normal loss ``G2(k) = E[((Z - k)+)^2] / 2``, the integral of ``G`` above k."""
    from scipy.special import ndtr

    k = np.asarray(k, dtype=np.float64)
    phi = np.exp(-0.5 * k**2) / math.sqrt(2 * math.pi)
    result: FloatArray = 0.5 * ((1.0 + k**2) * (1.0 - ndtr(k)) - k * phi)
    return result


class PeriodDemand(Protocol):
    """Demand over a fixed number of coming periods, one distribution per series."""

    def excess(self, y: FloatArray) -> FloatArray:
        """Return ``E[(X - y)+]`` per series."""
        ...

    def excess_integral(self, a: FloatArray, b: FloatArray) -> FloatArray:
        """Return the integral of ``E[(X - y)+]`` over ``y`` from ``a`` to ``b`` per series."""
        ...

    def upper(self) -> FloatArray:
        """Return a level above which the shortage is negligible."""
        ...


@dataclass(frozen=True)
class NormalDemand:
    """``X ~ N(mean, sigma^2)`` per series; ``sigma = 0`` means ``X = mean`` exactly."""

    mean: FloatArray
    sigma: FloatArray

    def _random(self) -> NDArray[np.bool_]:
        # A spread far below the mean's scale is no spread: dividing by it would overflow.
        result: NDArray[np.bool_] = self.sigma > 1e-9 * (np.abs(self.mean) + 1.0)
        return result

    def excess(self, y: FloatArray) -> FloatArray:
        random = self._random()
        sig = np.where(random, self.sigma, 1.0)
        normal = sig * normal_loss((y - self.mean) / sig)
        result: FloatArray = np.where(random, normal, np.maximum(self.mean - y, 0.0))
        return result

    def excess_integral(self, a: FloatArray, b: FloatArray) -> FloatArray:
        random = self._random()
        sig = np.where(random, self.sigma, 1.0)
        g2 = normal_loss2((a - self.mean) / sig) - normal_loss2((b - self.mean) / sig)
        exact = 0.5 * (np.maximum(self.mean - a, 0.0) ** 2 - np.maximum(self.mean - b, 0.0) ** 2)
        result: FloatArray = np.where(random, sig**2 * g2, exact)
        return result

    def upper(self) -> FloatArray:
        result: FloatArray = self.mean + np.where(self._random(), 8.0 * self.sigma, 0.0) + 1.0
        return result


@dataclass(frozen=True)
class SampledDemand:
    """``X`` drawn uniformly from the rows of ``samples`` (series x draws), e.g. backtest sums."""

    samples: FloatArray

    def excess(self, y: FloatArray) -> FloatArray:
        result: FloatArray = np.maximum(self.samples - y[:, None], 0.0).mean(axis=1)
        return result

    def excess_integral(self, a: FloatArray, b: FloatArray) -> FloatArray:
        x = self.samples
        sq = np.maximum(x - a[:, None], 0.0) ** 2 - np.maximum(x - b[:, None], 0.0) ** 2
        result: FloatArray = 0.5 * sq.mean(axis=1)
        return result

    def upper(self) -> FloatArray:
        result: FloatArray = self.samples.max(axis=1) + 1.0
        return result


@dataclass(frozen=True)
class PositionAfterReview:
    """Where the inventory position sits just after a review, as ``Y = S - U``.

    ``U`` is 0 with probability ``atom`` and otherwise uniform on ``[gap, q)``; see the
    module docstring for the renewal argument.
    """

    q: FloatArray
    atom: FloatArray
    gap: FloatArray

    @classmethod
    def renewal(cls, q: FloatArray, mu: FloatArray, c2: FloatArray) -> PositionAfterReview:
        """Two-moment renewal approximation for orders of ``q`` and review demand ``mu``."""
        q = np.maximum(np.asarray(q, dtype=np.float64), 0.0)
        safe_mu = np.where(mu > 0, mu, 1.0)
        gap = np.minimum(np.maximum(0.5 * (1.0 - c2), 0.0) * safe_mu, q)
        at_zero = np.maximum(0.5 * (c2 - 1.0), 0.0)
        spread = (q - gap) / safe_mu
        atom = np.where(mu > 0, (1.0 + at_zero) / (1.0 + at_zero + spread), 1.0)
        return cls(q=q, atom=atom, gap=gap)

    @classmethod
    def uniform(cls, q: FloatArray) -> PositionAfterReview:
        """Uniform on ``(s, S]``: continuous review, where orders start exactly at ``s``."""
        q = np.maximum(np.asarray(q, dtype=np.float64), 0.0)
        return cls(q=q, atom=(q <= 0).astype(np.float64), gap=np.zeros_like(q))

    def subset(self, rows: NDArray[np.int64]) -> PositionAfterReview:
        """Return the same distribution for ``rows`` only."""
        return PositionAfterReview(q=self.q[rows], atom=self.atom[rows], gap=self.gap[rows])

    def expected_excess(self, demand: PeriodDemand, s: FloatArray) -> FloatArray:
        """Return ``E_Y[E[(X - Y)+]]`` for reorder points ``s``."""
        big_s = s + self.q
        width = self.q - self.gap
        spread = np.where(
            width > 0,
            demand.excess_integral(s, big_s - self.gap) / np.where(width > 0, width, 1.0),
            0.0,
        )
        result: FloatArray = self.atom * demand.excess(big_s) + (1.0 - self.atom) * spread
        return result


@dataclass(frozen=True)
class FillRateModel:
    """Everything the fill rate of an (R, s, S) policy depends on, apart from ``s``.

    ``through_review`` is the demand ``X_{L+R}``; ``through_lead`` is ``X_L`` (exactly 0
    when ``L = 0``); ``review_demand`` is ``mu_R``. With ``review_period == 0`` the
    continuous-review formula applies and ``review_demand`` is unused.
    """

    through_review: PeriodDemand
    through_lead: PeriodDemand
    position: PositionAfterReview
    review_demand: FloatArray
    review_period: int

    def fill_rate(self, s: FloatArray) -> FloatArray:
        """Return the fill rate each series would achieve with reorder point ``s``."""
        s = np.asarray(s, dtype=np.float64)
        if self.review_period == 0:
            q = self.position.q
            short = self.through_review.excess(s) - self.through_review.excess(s + q)
            served_per_cycle = np.where(q > 0, q, 1.0)
            result: FloatArray = np.where(q > 0, 1.0 - short / served_per_cycle, 1.0)
            return np.clip(result, 0.0, 1.0)
        short = self.position.expected_excess(
            self.through_review, s
        ) - self.position.expected_excess(self.through_lead, s)
        mu = self.review_demand
        out: FloatArray = np.where(mu > 0, 1.0 - short / np.where(mu > 0, mu, 1.0), 1.0)
        return np.clip(out, 0.0, 1.0)

    def reorder_point(self, target: float) -> FloatArray:
        """Return the smallest ``s >= 0`` whose fill rate reaches ``target``, by bisection.

        The fill rate never falls as ``s`` rises (more stock at every moment), so the
        bisection brackets the answer between 0 and a level past any shortage.
        """
        hi = np.maximum(self.through_review.upper(), 1.0)
        lo = np.zeros_like(hi)
        enough_at_zero = self.fill_rate(lo) >= target
        for _ in range(_BISECTIONS):
            mid = 0.5 * (lo + hi)
            short = self.fill_rate(mid) < target
            lo = np.where(short, mid, lo)
            hi = np.where(short, hi, mid)
        result: FloatArray = np.where(enough_at_zero, 0.0, hi)
        return result
