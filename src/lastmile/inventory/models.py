"""The statsforecast models a series may be offered, by name, and the candidate sets.

Candidates depend on the demand class and on a *profile* that trades accuracy for time:
AutoETS costs ~100x a smoothing model per series and AutoARIMA more again, so large
batches get the cheap set (exponential smoothing, seasonal averages, the Croston family)
and small ones the full set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from lastmile.inventory.classify import DemandClass

Profile = Literal["auto", "full", "standard", "fast"]

# A factory per model so that every StatsForecast call gets fresh, unfitted objects.
_FACTORIES: dict[str, Callable[[int], Any]] = {}


def _register() -> None:
    from statsforecast import models as m

    _FACTORIES.update(
        {
            "Naive": lambda s: m.Naive(alias="Naive"),
            "SeasonalNaive": lambda s: m.SeasonalNaive(season_length=s, alias="SeasonalNaive"),
            "HistoricAverage": lambda s: m.HistoricAverage(alias="HistoricAverage"),
            "SES": lambda s: m.SimpleExponentialSmoothingOptimized(alias="SES"),
            "SeasonalES": lambda s: m.SeasonalExponentialSmoothingOptimized(
                season_length=s, alias="SeasonalES"
            ),
            "SeasonalWA": lambda s: m.SeasonalWindowAverage(
                season_length=s, window_size=4, alias="SeasonalWA"
            ),
            "AutoETS": lambda s: m.AutoETS(season_length=s, alias="AutoETS"),
            "AutoARIMA": lambda s: m.AutoARIMA(season_length=s, alias="AutoARIMA"),
            "AutoTheta": lambda s: m.AutoTheta(season_length=s, alias="AutoTheta"),
            "MSTL": lambda s: m.MSTL(
                season_length=s, trend_forecaster=m.AutoETS(model="ZZN"), alias="MSTL"
            ),
            "CrostonSBA": lambda s: m.CrostonSBA(alias="CrostonSBA"),
            "ADIDA": lambda s: m.ADIDA(alias="ADIDA"),
            "IMAPA": lambda s: m.IMAPA(alias="IMAPA"),
            "TSB": lambda s: m.TSB(alpha_d=0.1, alpha_p=0.1, alias="TSB"),
        }
    )


def make_model(name: str, season_length: int) -> Any:
    """Return a fresh statsforecast model called ``name`` (its output column)."""
    if not _FACTORIES:
        _register()
    try:
        return _FACTORIES[name](season_length)
    except KeyError:
        raise ValueError(f"model {name!r} not understood; known: {sorted(_FACTORIES)}") from None


SMOOTH_SETS: dict[str, tuple[str, ...]] = {
    "full": ("AutoETS", "AutoARIMA", "AutoTheta", "MSTL", "SeasonalNaive", "SeasonalES", "SES"),
    "standard": ("AutoETS", "AutoTheta", "MSTL", "SeasonalNaive", "SeasonalES", "SES"),
    # SeasonalES optimises one smoothing per season position: dropped at scale, where
    # SeasonalWA covers the weekly profile for a fraction of the time.
    "fast": ("SeasonalNaive", "SES", "SeasonalWA"),
}
INTERMITTENT_SETS: dict[str, tuple[str, ...]] = {
    "full": ("CrostonSBA", "ADIDA", "IMAPA", "TSB"),
    "standard": ("CrostonSBA", "ADIDA", "IMAPA", "TSB"),
    # IMAPA refits at every aggregation level: as costly as the other three together.
    "fast": ("CrostonSBA", "ADIDA", "TSB"),
}

# Series per class above which "auto" steps down to a cheaper set.
_AUTO_FULL_MAX = 30
_AUTO_STANDARD_MAX = 300


def resolve_profile(profile: Profile, n_smooth: int) -> Literal["full", "standard", "fast"]:
    """Pick the concrete profile for ``n_smooth`` smooth/erratic series."""
    if profile != "auto":
        return profile
    if n_smooth <= _AUTO_FULL_MAX:
        return "full"
    return "standard" if n_smooth <= _AUTO_STANDARD_MAX else "fast"


# Models that need two full seasons, or that repeat another one when there is no season.
_SEASONAL_ONLY = frozenset({"MSTL", "SeasonalES"})


def non_seasonal(names: tuple[str, ...]) -> tuple[str, ...]:
    """Return ``names`` without the models that make no sense with ``season_length=1``."""
    return tuple(nm for nm in names if nm not in _SEASONAL_ONLY)


def candidates(
    demand_class: DemandClass,
    profile: Literal["full", "standard", "fast"],
) -> tuple[str, ...]:
    """Return the model names offered to a series of ``demand_class``."""
    if demand_class.is_intermittent:
        return INTERMITTENT_SETS[profile]
    return SMOOTH_SETS[profile]
