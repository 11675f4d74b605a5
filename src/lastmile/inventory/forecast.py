"""Batch demand forecasts: a model per series chosen by rolling-origin cross-validation.

Series are classified first (``classify``); each class is offered its candidate models
(``models``) and every candidate is backtested by statsforecast on the last
``cv_windows`` windows of ``cv_horizon`` periods. The candidate with the lowest absolute
error (MASE: the scale is per series, so the choice is the same) wins, unless the mean
of the best two did better still on the same windows; the winner is refitted on the
whole history. Its backtest errors also give the prediction intervals and, in
``policy``, the forecast error over the lead time — one error model for both.

A series too short for two seasons after the backtest, but with one season before it,
is offered the non-seasonal candidates. Series too short to backtest, all-zero series
and new SKUs get explicit fallbacks, and every series says which basis its forecast
rests on. The errors kept for intervals and safety stock are those of the choice itself
(``_holdout_errors``), not the winner's errors on the windows that chose it.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from lastmile.inventory.classify import DemandClass, classify
from lastmile.inventory.models import (
    Profile,
    candidates,
    make_model,
    non_seasonal,
    resolve_profile,
)

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ForecastConfig:
    """How to forecast a batch.

    Parameters
    ----------
    horizon
        Periods to forecast.
    season_length
        Periods per season (7 for daily, 52 for weekly, 5 for working days).
    cv_windows, cv_horizon
        Rolling-origin backtest: ``cv_windows`` windows of ``cv_horizon`` periods each,
        stepping by ``cv_horizon``. ``cv_horizon`` defaults to ``min(horizon, 14)``.
    level
        Prediction interval coverage in percent.
    profile
        Candidate set for smooth series: ``"full"``, ``"standard"``, ``"fast"`` or
        ``"auto"`` (by batch size).
    n_jobs
        Processes statsforecast may use.
    selection
        Backtest loss that picks the model: ``"mase"`` (absolute errors, the default:
        with a few windows one outlier must not decide) or ``"rmsse"`` (squared errors).
        Safety stock always uses the squared errors of the model picked.
    """

    horizon: int = 28
    season_length: int = 7
    cv_windows: int = 3
    cv_horizon: int | None = None
    level: float = 95.0
    profile: Profile = "auto"
    n_jobs: int = 1
    selection: Literal["rmsse", "mase"] = "mase"

    def __post_init__(self) -> None:
        if self.horizon < 1:
            raise ValueError(f"horizon = {self.horizon} < 1 not understood.")
        if self.season_length < 1:
            raise ValueError(f"season_length = {self.season_length} < 1 not understood.")
        if self.cv_windows < 1:
            raise ValueError(f"cv_windows = {self.cv_windows} < 1 not understood.")
        if self.cv_horizon is not None and self.cv_horizon < 1:
            raise ValueError(f"cv_horizon = {self.cv_horizon} < 1 not understood.")
        if not 0 < self.level < 100:
            raise ValueError(f"level = {self.level} outside (0, 100) not understood.")
        if self.selection not in ("rmsse", "mase"):
            raise ValueError(f"selection = {self.selection!r} not understood.")
        if self.n_jobs < 1:
            raise ValueError(f"n_jobs = {self.n_jobs} < 1 not understood.")

    @property
    def backtest_horizon(self) -> int:
        return self.cv_horizon or min(self.horizon, 14)

    @property
    def min_length(self) -> int:
        """Shortest series that can be backtested and still fit a seasonal model."""
        return self.cv_windows * self.backtest_horizon + 2 * self.season_length


@dataclass(frozen=True)
class ForecastBatch:
    """Forecasts of many series, row ``i`` for ``ids[i]``.

    ``errors`` holds the backtest errors of the chosen model (actual - forecast), shape
    ``(n, cv_windows, cv_horizon)``; NaN where a series was not backtested, in which case
    ``sigma`` (one-period error) comes from the fallback's own rule.
    """

    ids: tuple[str, ...]
    mean: FloatArray
    lower: FloatArray
    upper: FloatArray
    sigma: FloatArray
    errors: FloatArray
    model: tuple[str, ...]
    demand_class: tuple[DemandClass, ...]
    basis: tuple[str, ...]
    level: float
    scores: dict[str, FloatArray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def index(self, series_id: str) -> int:
        """Return the row of ``series_id``."""
        return self.ids.index(series_id)


def forecast_batch(
    ids: Sequence[str], values: Sequence[FloatArray], config: ForecastConfig | None = None
) -> ForecastBatch:
    """Forecast every series, choosing its model by backtest.

    Parameters
    ----------
    ids
        One id per series.
    values
        Non-negative demand per period, oldest first (censored days already re-estimated).
    config
        Horizon, season, backtest and profile; defaults to ``ForecastConfig()``.

    Returns
    -------
    ForecastBatch
        Point forecasts, intervals, backtest errors, the model and basis of every series.
    """
    cfg = config or ForecastConfig()
    if len(ids) != len(values):
        raise ValueError(f"{len(ids)} ids but {len(values)} series")
    n, h, w, hb = len(ids), cfg.horizon, cfg.cv_windows, cfg.backtest_horizon
    ys = [np.asarray(v, dtype=np.float64) for v in values]
    for sid, y in zip(ids, ys, strict=True):
        if y.ndim != 1 or not np.isfinite(y).all() or (y < 0).any():
            raise ValueError(f"series {sid!r}: values must be a 1-D array of finite numbers >= 0")
    classes = [classify(y, min_length=cfg.min_length) for y in ys]
    # Too short for two seasons after the backtest, but with a season of history before
    # it: non-seasonal models, still chosen by backtest, beat a flat historic average.
    plain = replace(cfg, season_length=1)
    seasonal = [True] * n
    for i, y in enumerate(ys):
        if classes[i] is DemandClass.SHORT and len(y) >= plain.min_length + cfg.season_length:
            classes[i], seasonal[i] = classify(y, min_length=plain.min_length), False
    mean = np.zeros((n, h))
    sigma = np.zeros((n, h))
    errors = np.full((n, w, hb), np.nan)
    model = [""] * n
    basis = [""] * n
    groups: dict[tuple[tuple[str, ...], bool], list[int]] = defaultdict(list)
    n_smooth = sum(1 for c in classes if c in (DemandClass.SMOOTH, DemandClass.ERRATIC))
    profile = resolve_profile(cfg.profile, n_smooth)
    for i, c in enumerate(classes):
        if c in (DemandClass.SMOOTH, DemandClass.ERRATIC) or c.is_intermittent:
            names = candidates(c, profile)
            groups[names if seasonal[i] else non_seasonal(names), seasonal[i]].append(i)
        else:
            model[i], basis[i] = _fallback(ys[i], c, mean[i], sigma[i])
    scores: dict[str, FloatArray] = {}
    components: dict[tuple[str, bool], list[int]] = defaultdict(list)
    weight = np.zeros(n)
    for (names, is_seasonal), rows in groups.items():
        cv_err = _backtest(rows, ys, names, cfg if is_seasonal else plain)  # (models, rows, w, hb)
        finite = np.isfinite(cv_err)
        # A model that failed on a window (NaN) must never win on its other windows.
        mse = np.where(
            finite.all(axis=(2, 3)),
            _loss(np.where(finite, cv_err, 0.0), cfg.selection).mean(axis=(2, 3)),
            np.inf,
        )
        ranked = np.argsort(mse, axis=0)
        for k, name in enumerate(names):
            col = scores.setdefault(name, np.full(n, np.nan))
            col[rows] = mse[k]
        for j, i in enumerate(rows):
            picked, _ = _pick(names, ranked[:, j], mse[:, j], cv_err[:, j], cfg.selection)
            errors[i] = _holdout_errors(names, cv_err[:, j], cfg.selection)
            model[i] = "+".join(picked)
            how = "mean of the best two" if len(picked) > 1 else "best"
            basis[i] = f"{classes[i]}: {how} of {len(names)} by {w}-window backtest" + (
                "" if is_seasonal else " (non-seasonal: under two seasons of history)"
            )
            for name in picked:
                components[name, is_seasonal].append(i)
            weight[i] = 1.0 / len(picked)
    for (name, is_seasonal), rows in components.items():
        part = np.maximum(_fit_forecast(rows, ys, name, cfg if is_seasonal else plain), 0.0)
        mean[rows] += part * weight[rows, None]
    tested = [i for i in range(n) if weight[i] > 0]
    if tested:
        sigma[tested] = _sigma_from_errors(errors[tested], h)
    mean = np.maximum(mean, 0.0)
    z = NormalDist().inv_cdf(0.5 + cfg.level / 200.0)
    return ForecastBatch(
        ids=tuple(ids),
        mean=mean,
        lower=np.maximum(mean - z * sigma, 0.0),
        upper=mean + z * sigma,
        sigma=sigma,
        errors=errors,
        model=tuple(model),
        demand_class=tuple(classes),
        basis=tuple(basis),
        level=cfg.level,
        scores=scores,
    )


def _loss(errors: FloatArray, selection: str) -> FloatArray:
    """Per-error loss behind the choice: squared (RMSSE) or absolute (MASE)."""
    result: FloatArray = errors**2 if selection == "rmsse" else np.abs(errors)
    return result


def _pick(
    names: Sequence[str],
    ranked: NDArray[np.int64],
    mse: FloatArray,
    errors: FloatArray,
    selection: str,
) -> tuple[tuple[str, ...], FloatArray]:
    """Return the winning model(s) of one series and their backtest errors.

    The equal-weight mean of the two best candidates competes too: its backtest errors
    are exactly the mean of theirs, so it is scored without fitting anything more, and it
    wins only when it beat both on the same windows.
    """
    first = int(ranked[0])
    if len(names) > 1 and np.isfinite(mse[int(ranked[1])]):
        second = int(ranked[1])
        blend = 0.5 * (errors[first] + errors[second])
        if float(np.mean(_loss(blend, selection))) < mse[first]:
            return (names[first], names[second]), blend
    return (names[first],), errors[first]


def _holdout_errors(names: Sequence[str], errors: FloatArray, selection: str) -> FloatArray:
    """Return the backtest errors of choosing a model for one series, shape ``(w, h)``.

    ``errors`` holds every candidate's errors, shape ``(models, w, h)``. Window ``k`` is
    scored by the model (or blend) that ``_pick`` chooses on the other windows, so these
    are the errors of the whole choose-then-forecast procedure. The winner's own errors on
    the windows that chose it are optimistic (it won partly because it was lucky there),
    and a safety stock built on them falls short. With one window nothing can be held
    out and the winner's errors are returned.
    """
    w = errors.shape[1]
    finite = np.isfinite(errors)
    out = np.empty(errors.shape[1:])
    for k in range(w):
        others = np.delete(np.arange(w), k) if w > 1 else np.arange(w)
        sub, ok = errors[:, others], finite[:, others]
        loss = np.where(
            ok.all(axis=(1, 2)), _loss(np.where(ok, sub, 0.0), selection).mean(axis=(1, 2)), np.inf
        )
        picked, _ = _pick(names, np.argsort(loss), loss, sub, selection)
        out[k] = np.mean([errors[names.index(nm), k] for nm in picked], axis=0)
    return out


def _fallback(
    y: FloatArray,
    c: DemandClass,
    mean: FloatArray,
    sigma: FloatArray,
) -> tuple[str, str]:
    """Fill ``mean``/``sigma`` in place for a series that cannot be backtested."""
    if c is DemandClass.ZERO:
        # Nothing was ever demanded: forecast zero, and say the interval is degenerate
        # rather than invent a spread.
        mean[:] = 0.0
        sigma[:] = 0.0
        return "Zero", f"zero: no demand in {len(y)} periods"
    if c is DemandClass.NEW:
        return "None", "new: no history (use new_sku_forecasts for a fallback rate)"
    rate = float(y.mean())
    # Too few points for a stable spread: never claim less than Poisson dispersion.
    spread = float(y.std(ddof=1)) if len(y) > 1 else 0.0
    mean[:] = rate
    sigma[:] = max(spread, float(np.sqrt(rate)))
    return "HistoricAverage", (
        f"short: {len(y)} periods, too few to backtest; mean rate, spread at least Poisson"
    )


def _long_frame(rows: Sequence[int], ys: Sequence[FloatArray], trim: int = 0) -> pd.DataFrame:
    lens = np.array([len(ys[i]) - trim for i in rows])
    uid = np.repeat(np.arange(len(rows)), lens)
    ds = np.concatenate([np.arange(k) for k in lens]) if len(rows) else np.array([], int)
    y = np.concatenate([ys[i][: len(ys[i]) - trim] for i in rows])
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": y})


def _statsforecast(names: Sequence[str], cfg: ForecastConfig, n_rows: int) -> Any:
    from statsforecast import StatsForecast

    # Process start-up costs more than it saves on small groups.
    jobs = cfg.n_jobs if n_rows >= 200 else 1
    return StatsForecast(
        models=[make_model(nm, cfg.season_length) for nm in names],
        freq=1,
        n_jobs=jobs,
        fallback_model=make_model("HistoricAverage", cfg.season_length),
    )


def _backtest(
    rows: Sequence[int], ys: Sequence[FloatArray], names: Sequence[str], cfg: ForecastConfig
) -> FloatArray:
    """Return backtest errors, shape ``(len(names), len(rows), windows, horizon)``."""
    w, hb = cfg.cv_windows, cfg.backtest_horizon
    sf = _statsforecast(names, cfg, len(rows))
    with warnings.catch_warnings():
        # Optimisers inside statsforecast warn on flat series; the error scores judge them.
        warnings.simplefilter("ignore", RuntimeWarning)
        cv = sf.cross_validation(df=_long_frame(rows, ys), h=hb, n_windows=w, step_size=hb)
    cv = cv.sort_values(["unique_id", "cutoff", "ds"])
    actual = cv["y"].to_numpy(dtype=np.float64).reshape(len(rows), w, hb)
    out = np.empty((len(names), len(rows), w, hb))
    for k, nm in enumerate(names):
        pred = np.maximum(cv[nm].to_numpy(dtype=np.float64), 0.0).reshape(len(rows), w, hb)
        out[k] = actual - pred
    return out


def _fit_forecast(
    rows: Sequence[int], ys: Sequence[FloatArray], name: str, cfg: ForecastConfig
) -> FloatArray:
    sf = _statsforecast([name], cfg, len(rows))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fc = sf.forecast(df=_long_frame(rows, ys), h=cfg.horizon)
    fc = fc.sort_values(["unique_id", "ds"])
    values: FloatArray = fc[name].to_numpy(dtype=np.float64).reshape(len(rows), cfg.horizon)
    return np.nan_to_num(values, nan=0.0)


def _sigma_from_errors(errors: FloatArray, h: int) -> FloatArray:
    """Per-period error spread: RMSE over every backtest error of the series.

    Pooled over windows and steps because a few windows per step are too noisy to tell
    steps apart; the lead-time error in ``policy`` uses the errors' sums instead.
    """
    flat = errors.reshape(len(errors), -1)
    ok = np.isfinite(flat)
    count = np.maximum(ok.sum(axis=1), 1)
    pooled = np.sqrt((np.where(ok, flat, 0.0) ** 2).sum(axis=1) / count)
    return np.repeat(pooled[:, None], h, axis=1)
