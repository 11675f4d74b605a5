"""Demand classes (Syntetos-Boylan) that decide which models a series is offered.

ADI is the mean interval between non-zero demands, CV² the squared coefficient of
variation of the non-zero sizes. The cut-offs 1.32 and 0.49 are Syntetos, Boylan & Croston
(2005): below them exponential smoothing-type models do well; above ADI 1.32 the Croston
family (SBA, ADIDA, IMAPA, TSB) forecasts the rate better.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49


class DemandClass(StrEnum):
    SMOOTH = "smooth"
    ERRATIC = "erratic"
    INTERMITTENT = "intermittent"
    LUMPY = "lumpy"
    ZERO = "zero"
    SHORT = "short"
    NEW = "new"

    @property
    def is_intermittent(self) -> bool:
        return self in (DemandClass.INTERMITTENT, DemandClass.LUMPY)


def adi_cv2(y: NDArray[np.float64]) -> tuple[float, float]:
    """Return (ADI, CV²) of one series; ADI is ``inf`` when nothing was demanded."""
    nz = y[y > 0]
    if nz.size == 0:
        return float("inf"), 0.0
    adi = len(y) / nz.size
    mean = float(nz.mean())
    cv2 = float(nz.var() / mean**2) if mean > 0 else 0.0
    return adi, cv2


def classify(y: NDArray[np.float64], *, min_length: int) -> DemandClass:
    """Classify one series; shorter than ``min_length`` days is ``SHORT``."""
    if len(y) == 0:
        return DemandClass.NEW
    if not (y > 0).any():
        return DemandClass.ZERO
    if len(y) < min_length:
        return DemandClass.SHORT
    adi, cv2 = adi_cv2(y)
    if adi < ADI_CUTOFF:
        return DemandClass.SMOOTH if cv2 < CV2_CUTOFF else DemandClass.ERRATIC
    return DemandClass.INTERMITTENT if cv2 < CV2_CUTOFF else DemandClass.LUMPY
