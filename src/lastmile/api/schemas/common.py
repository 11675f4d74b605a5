"""Schemas every router shares: pages of results and small value types."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lastmile.services.catalog import Page

T = TypeVar("T")
S = TypeVar("S")

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
Text = Annotated[str, Field(max_length=500)]


class Strict(BaseModel):
    """Input schemas refuse unknown fields, so a typo is an error rather than ignored."""

    model_config = ConfigDict(extra="forbid")


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[S], convert: Callable[[S], T]) -> PageOut[T]:
        return cls(
            items=[convert(i) for i in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


class PointIn(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class WindowIn(Strict):
    start: datetime
    end: datetime

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must carry a timezone offset")
        return value


class WindowOut(BaseModel):
    start: datetime
    end: datetime
