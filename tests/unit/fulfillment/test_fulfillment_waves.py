"""Waves: released as late as possible while still meeting each van's departure."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lastmile.domain import InvalidValue
from lastmile.fulfillment.waves import WaveLine, WaveOrder, plan_waves
from tests.unit.fulfillment.fulfillment_builders import NOW, warehouse

WH = warehouse("W1", 0.0, pick_capacity_per_hour=60)  # one line a minute
BUFFER = timedelta(minutes=30)


def orders(prefix: str, n: int, lines: int, departure):
    return [
        WaveOrder(
            f"{prefix}{i}",
            tuple(WaveLine(f"{prefix}{i}", f"S{k}", 1) for k in range(lines)),
            departure,
        )
        for i in range(n)
    ]


def test_wave_is_released_its_pick_time_before_departure_less_the_buffer():
    dep = NOW + timedelta(hours=5)
    (wave,) = plan_waves(WH, orders("a", 3, 10, dep), now=NOW, pack_buffer=BUFFER)
    assert wave.release_at == dep - BUFFER - timedelta(minutes=30)
    assert wave.expected_done == wave.due
    assert not wave.late


def test_earlier_departure_waits_for_no_one_and_later_wave_does_not_overlap_it():
    early, late = NOW + timedelta(hours=3), NOW + timedelta(hours=3, minutes=10)
    waves = plan_waves(
        WH, orders("a", 2, 20, early) + orders("b", 2, 20, late), now=NOW, pack_buffer=BUFFER
    )
    assert [w.departure for w in waves] == [early, late]
    first, second = waves
    # The later wave needs 40 minutes but only 10 separate the vans: the first must end
    # when the second starts, so it is released earlier than its own deadline alone asks.
    assert second.release_at == late - BUFFER - timedelta(minutes=40)
    assert first.expected_done <= second.release_at
    assert first.due >= first.expected_done


def test_wave_whose_release_time_has_passed_is_flagged_late():
    dep = NOW + timedelta(minutes=40)
    (wave,) = plan_waves(WH, orders("a", 1, 30, dep), now=NOW, pack_buffer=BUFFER)
    assert wave.release_at == NOW
    assert wave.late
    assert wave.expected_done == NOW + timedelta(minutes=30)


def test_large_group_is_split_into_cart_sized_waves():
    dep = NOW + timedelta(hours=8)
    waves = plan_waves(WH, orders("a", 10, 5, dep), now=NOW, max_lines_per_wave=20)
    assert [len(w.lines) for w in waves] == [20, 20, 10]
    assert sorted(o for w in waves for o in w.order_ids) == sorted(f"a{i}" for i in range(10))


def test_wave_size_must_be_positive():
    with pytest.raises(InvalidValue):
        plan_waves(WH, [], now=NOW, max_lines_per_wave=0)
