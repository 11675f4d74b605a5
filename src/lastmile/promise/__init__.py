"""The delivery promise: which options are possible now, with an ETA window and a price."""

from lastmile.promise.cost import CostModel
from lastmile.promise.engine import PromiseEngine
from lastmile.promise.holds import Hold, HoldBook
from lastmile.promise.model import Cart, PromiseOption, PromiseResult, Refusal, Unavailable
from lastmile.promise.plan_index import DayPlanIndex, Insertion, PlannedRoute, TravelModel
from lastmile.promise.policy import AreaConditions, NoConditions, PromisePolicy

__all__ = [
    "AreaConditions",
    "Cart",
    "CostModel",
    "DayPlanIndex",
    "Hold",
    "HoldBook",
    "Insertion",
    "NoConditions",
    "PlannedRoute",
    "PromiseEngine",
    "PromiseOption",
    "PromisePolicy",
    "PromiseResult",
    "Refusal",
    "TravelModel",
    "Unavailable",
]
