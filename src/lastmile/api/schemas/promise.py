"""Schemas of delivery promises."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from lastmile.api.schemas.common import Strict, WindowOut
from lastmile.api.schemas.orders import OrderLineIn
from lastmile.domain import DeliveryOption
from lastmile.promise.model import PromiseResult


class PromiseQuery(Strict):
    address: str = Field(min_length=1, max_length=500)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lines: list[OrderLineIn] = Field(min_length=1, max_length=200)


class PromiseOptionRead(BaseModel):
    option: DeliveryOption
    delivery_date: date
    eta: WindowOut
    price: float
    warehouse_id: str
    slot: WindowOut | None


class RefusalRead(BaseModel):
    option: DeliveryOption
    code: str
    message: str


class PromiseRead(BaseModel):
    options: list[PromiseOptionRead]
    refusals: list[RefusalRead]

    @classmethod
    def of(cls, r: PromiseResult) -> PromiseRead:
        return cls(
            options=[
                PromiseOptionRead(
                    option=o.option,
                    delivery_date=o.delivery_date,
                    eta=WindowOut(start=o.eta.start, end=o.eta.end),
                    price=o.price,
                    warehouse_id=o.warehouse_id,
                    slot=WindowOut(start=o.slot.start, end=o.slot.end) if o.slot else None,
                )
                for o in r.options
            ],
            refusals=[
                RefusalRead(option=x.option, code=str(x.code), message=x.message)
                for x in r.refusals
            ],
        )
