"""Hand-built forecast batches, so policy tests need no statsforecast."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lastmile.inventory.classify import DemandClass
from lastmile.inventory.forecast import ForecastBatch


def batch(
    ids: Sequence[str],
    rates: Sequence[float],
    sigmas: Sequence[float],
    *,
    horizon: int = 28,
    errors: np.ndarray | None = None,
) -> ForecastBatch:
    """Flat forecasts of ``rates`` per period with one-period spread ``sigmas``."""
    n = len(ids)
    mean = np.repeat(np.asarray(rates, float)[:, None], horizon, axis=1)
    sigma = np.repeat(np.asarray(sigmas, float)[:, None], horizon, axis=1)
    errs = np.full((n, 1, 1), np.nan) if errors is None else errors
    return ForecastBatch(
        ids=tuple(ids),
        mean=mean,
        lower=np.maximum(mean - 2 * sigma, 0),
        upper=mean + 2 * sigma,
        sigma=sigma,
        errors=errs,
        model=("Test",) * n,
        demand_class=(DemandClass.SMOOTH,) * n,
        basis=("test",) * n,
        level=95.0,
    )
