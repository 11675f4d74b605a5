"""Schemas of sourcing runs and pick waves."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from lastmile.api.schemas.common import Id, Strict
from lastmile.domain import ProofMethod
from lastmile.services.dispatch import Release
from lastmile.services.fulfillment import WavePlan


class SourcingRunCreate(Strict):
    order_ids: list[Id] | None = Field(
        default=None, max_length=10_000, description="default: every validated/backordered order"
    )
    proof_preference: ProofMethod | None = Field(
        default=None, description="proof method asked for this run's shipments (if as safe)"
    )


class DecisionRead(BaseModel):
    order_id: str
    outcome: str
    warehouse_ids: list[str]
    unsourced: list[str]
    distance_m: float


class SourcingRunRead(BaseModel):
    orders: int
    sourced: int
    split: int
    backordered: int
    shipments: list[str]
    parcels: int
    unpackable: list[str]
    skipped: list[str]
    solver: str
    decisions: list[DecisionRead]

    @classmethod
    def of(cls, r: Release) -> SourcingRunRead:
        result = r.report.result
        stats = result.stats if result else None
        return cls(
            orders=stats.orders if stats else 0,
            sourced=stats.sourced if stats else 0,
            split=stats.split if stats else 0,
            backordered=stats.backordered if stats else 0,
            shipments=r.shipment_ids,
            parcels=r.report.parcels,
            unpackable=list(r.report.unpackable),
            skipped=list(r.report.skipped),
            solver=stats.solver if stats else "",
            decisions=[
                DecisionRead(
                    order_id=d.order_id,
                    outcome=d.outcome.value,
                    warehouse_ids=list(d.warehouse_ids),
                    unsourced=[f"{u.sku_id}: {u.reason} ({u.detail})" for u in d.unsourced],
                    distance_m=d.distance_m,
                )
                for d in (result.decisions if result else ())
            ],
        )


class WaveComplete(Strict):
    warehouse_id: Id
    delivery_date: date
    wave_id: str | None = Field(default=None, max_length=100, description="default: all")


class WavesCompleted(BaseModel):
    packed_orders: list[str]


class PickRead(BaseModel):
    bin: str
    sku_id: str
    quantity: int


class WaveRead(BaseModel):
    wave_id: str
    release_at: datetime
    departure: datetime
    expected_done: datetime
    order_ids: list[str]
    picks: list[PickRead]
    walk_m: float
    naive_walk_m: float


class WavePlanRead(BaseModel):
    warehouse_id: str
    walk_m: float
    naive_walk_m: float
    waves: list[WaveRead]

    @classmethod
    def of(cls, plan: WavePlan) -> WavePlanRead:
        return cls(
            warehouse_id=plan.warehouse_id,
            walk_m=plan.walk_m,
            naive_walk_m=plan.naive_walk_m,
            waves=[
                WaveRead(
                    wave_id=p.wave.wave_id,
                    release_at=p.wave.release_at,
                    departure=p.wave.departure,
                    expected_done=p.wave.expected_done,
                    order_ids=list(p.wave.order_ids),
                    picks=[PickRead(bin=b.label, sku_id=s, quantity=q) for b, s, q in p.stops],
                    walk_m=p.path.distance_m,
                    naive_walk_m=p.naive_m,
                )
                for p in plan.pick_lists
            ],
        )
