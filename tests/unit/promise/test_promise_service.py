from __future__ import annotations

from datetime import timedelta

import pytest

from lastmile.domain import (
    DeliveryOption,
    Dimensions,
    InvalidValue,
    OrderLine,
    Sku,
    StockLevel,
)
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.services.promise import PromiseDesk, cart_for

from .builders import at, cart, route_east, warehouse


def stored_world(units: int = 3) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    planned = route_east()
    with uow:
        uow.warehouses.add(warehouse())
        uow.skus.add(Sku("SKU1", "mug", Dimensions(10, 10, 10), 0.4))
        uow.stock.add(StockLevel("SKU1", "W1", on_hand=units))
        uow.vehicles.add(planned.vehicle)
        uow.routes.add(planned.route)
        uow.commit()
    return uow


def test_the_desk_quotes_from_stored_stock_and_routes() -> None:
    desk = PromiseDesk(lambda: uow, max_age=timedelta(minutes=1))
    uow = stored_world()
    result = desk.quote(cart(), now=at(10))
    assert result.offers(DeliveryOption.SAME_DAY)
    assert result.offers(DeliveryOption.SLOT)


def test_holds_survive_a_snapshot_rebuild() -> None:
    uow = stored_world(units=1)
    desk = PromiseDesk(lambda: uow, max_age=timedelta(seconds=10))
    option = next(o for o in desk.quote(cart(), now=at(10)).options)
    desk.hold(cart(), option, now=at(10))
    desk.invalidate()
    assert not desk.quote(cart(), now=at(10, 1)).options
    assert desk.quote(cart(), now=at(10, 6)).options


def test_stock_changes_show_after_invalidate() -> None:
    uow = stored_world(units=1)
    desk = PromiseDesk(lambda: uow, max_age=timedelta(hours=1))
    assert desk.quote(cart(), now=at(10)).options
    with uow:
        uow.stock.get("SKU1", "W1").reserve(1)  # type: ignore[union-attr]
        uow.commit()
    desk.invalidate()
    assert not desk.quote(cart(), now=at(10)).options


def test_a_cart_with_an_unknown_sku_is_refused() -> None:
    uow = stored_world()
    with pytest.raises(InvalidValue, match="unknown sku"):
        cart_for(uow=uow, lines=[OrderLine("NOPE", 1)], address=cart().address)
    assert cart_for(uow=uow, lines=[OrderLine("SKU1", 2)], address=cart().address).weight_kg == 0.8


def test_the_desk_reads_disruptions_in_force_from_the_tracking_store() -> None:
    from lastmile.tracking.disruptions import Area, Disruption, DisruptionKind
    from lastmile.tracking.store import InMemoryTrackingRepository

    uow = stored_world()
    tracking = InMemoryTrackingRepository()
    ring = [[-76.60, 39.28], [-76.57, 39.28], [-76.57, 39.30], [-76.60, 39.30]]
    tracking.add_disruption(
        Disruption("d1", DisruptionKind.CLOSURE, Area.from_geojson(ring), float("inf"), at(6))
    )
    desk = PromiseDesk(lambda: uow, tracking=lambda _uow: tracking)
    result = desk.quote(cart(), now=at(10))
    assert not result.offers(DeliveryOption.SAME_DAY)
    assert result.offers(DeliveryOption.NEXT_DAY)
