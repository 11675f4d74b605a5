"""Value objects refuse what the world does not allow, naming the field."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from lastmile.domain import (
    Address,
    Capacity,
    Dimensions,
    GeoPoint,
    InvalidValue,
    OrderLine,
    Shift,
    Sku,
    TimeWindow,
    Warehouse,
)

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [
        (91.0, 0.0, "lat"),
        (-90.5, 0.0, "lat"),
        (0.0, 180.5, "lon"),
        (math.nan, 0.0, "lat"),
        (0.0, math.inf, "lon"),
    ],
)
def test_coordinates_out_of_range_are_refused(lat: float, lon: float, field: str) -> None:
    with pytest.raises(InvalidValue) as err:
        GeoPoint(lat, lon)
    assert err.value.field == field


def test_distance_between_two_baltimore_points_is_plausible() -> None:
    # Inner Harbor to Johns Hopkins Homewood campus: about 4.6 km as the crow flies.
    d = GeoPoint(39.2857, -76.6081).distance_m(GeoPoint(39.3299, -76.6205))
    assert 4_500 < d < 5_200


def test_a_time_window_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidValue, match="before it starts") as err:
        TimeWindow(T0, T0 - timedelta(minutes=1))
    assert err.value.field == "time_window"


def test_naive_datetimes_are_refused_in_windows() -> None:
    with pytest.raises(InvalidValue, match="timezone-aware"):
        TimeWindow(datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 10))


def test_windows_overlap_and_contain() -> None:
    w = TimeWindow(T0, T0 + timedelta(hours=2))
    assert w.contains(T0 + timedelta(hours=1))
    assert not w.contains(T0 + timedelta(hours=3))
    assert w.overlaps(TimeWindow(T0 + timedelta(hours=1), T0 + timedelta(hours=4)))
    assert not w.overlaps(TimeWindow(T0 + timedelta(hours=3), T0 + timedelta(hours=4)))


@pytest.mark.parametrize("quantity", [0, -3])
def test_order_lines_need_a_positive_quantity(quantity: int) -> None:
    with pytest.raises(InvalidValue) as err:
        OrderLine("SKU-1", quantity)
    assert err.value.field == "quantity"


def test_sku_dimensions_must_be_positive() -> None:
    with pytest.raises(InvalidValue) as err:
        Dimensions(10, 0, 5)
    assert err.value.field == "width_cm"


def test_sku_volume_is_in_litres() -> None:
    sku = Sku("S", "box", Dimensions(10, 10, 10), weight_kg=0.5)
    assert sku.volume_l == pytest.approx(1.0)


def test_empty_and_overlong_addresses_are_refused() -> None:
    with pytest.raises(InvalidValue, match="empty"):
        Address("   ")
    with pytest.raises(InvalidValue, match="at most 500"):
        Address("x" * 501)


def test_addresses_in_one_building_share_a_key_whatever_the_unit() -> None:
    a = Address("1 Main St Apt 2", {"house_number": "1", "street": "Main St", "unit": "2"})
    b = Address("1 main st #5", {"house_number": "1", "street": "MAIN ST", "unit": "5"})
    assert a.building_key() == b.building_key()


def test_warehouse_without_pick_capacity_is_refused() -> None:
    with pytest.raises(InvalidValue) as err:
        Warehouse("W", "w", GeoPoint(39.0, -76.0), pick_capacity_per_hour=0)
    assert err.value.field == "pick_capacity_per_hour"


def test_vehicle_capacity_and_shift_are_validated() -> None:
    with pytest.raises(InvalidValue):
        Capacity(weight_kg=0, volume_l=1000, parcels=10)
    with pytest.raises(InvalidValue, match="ends before it starts"):
        Shift(T0, T0)
    with pytest.raises(InvalidValue, match="both"):
        Shift(T0, T0 + timedelta(hours=8), break_earliest=T0)
