"""Schemas of day plans."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from lastmile.api.schemas.common import Strict
from lastmile.services.dispatch import DayPlan


class PlanCreate(Strict):
    delivery_date: date | None = Field(
        default=None, description="day to plan; default the day of the earliest van shift"
    )
    seconds: float = Field(default=5.0, gt=0, le=120, description="solver time budget")
    seed: int = Field(default=1, ge=0, le=2**31 - 1)


class PlanRead(BaseModel):
    plan_id: str
    delivery_date: str
    routes: int
    route_ids: list[str]
    stops: int
    unserved: int
    unserved_reasons: dict[str, str]
    cost: float
    co2_kg: float
    feasible: bool
    replaced_routes: int

    @classmethod
    def of(cls, p: DayPlan) -> PlanRead:
        return cls(
            plan_id=p.plan_id,
            delivery_date=p.delivery_date,
            routes=len(p.route_ids),
            route_ids=p.route_ids,
            stops=p.stops,
            unserved=len(p.unserved),
            unserved_reasons=p.unserved,
            cost=p.cost,
            co2_kg=p.co2_kg,
            feasible=p.feasible,
            replaced_routes=p.replaced_routes,
        )
