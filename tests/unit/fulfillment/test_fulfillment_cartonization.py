"""Cartonization: fewest cartons, every placement inside its box and apart."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.fulfillment.cartonization import (
    Box,
    BoxCatalogue,
    Carton,
    ItemTooLarge,
    PackUnit,
    Placement,
    lower_bound,
    pack,
    verify,
)

CATALOGUE = BoxCatalogue.standard()


def unit(sku: str, l: float, w: float, h: float, kg: float = 0.5) -> PackUnit:  # noqa: E741
    return PackUnit(sku, "o1", (l, w, h), kg)


def test_small_items_share_the_smallest_box_that_takes_them():
    cartons = pack([unit("A", 10, 8, 4), unit("B", 10, 8, 4)], CATALOGUE)
    assert [c.box.code for c in cartons] == ["XS"]
    assert verify(cartons[0]) == []


def test_long_item_fits_only_when_rotated():
    cartons = pack([unit("POLE", 5, 5, 55)], CATALOGUE)
    assert len(cartons) == 1
    placed = cartons[0].placements[0]
    assert max(placed.dx, placed.dy, placed.dz) == 55
    assert verify(cartons[0]) == []


def test_weight_limit_opens_a_second_carton():
    heavy = [unit(f"H{i}", 10, 10, 10, kg=14) for i in range(3)]
    cartons = pack(heavy, BoxCatalogue("tiny", (Box("B", 40, 40, 40, 30.0),)))
    assert len(cartons) == 2
    assert all(c.weight_kg <= 30 for c in cartons)


def test_item_larger_than_every_box_names_the_sku_and_the_catalogue():
    with pytest.raises(ItemTooLarge) as err:
        pack([unit("SOFA", 200, 90, 80, kg=40)], CATALOGUE)
    message = str(err.value)
    assert "SOFA" in message and "'standard'" in message and "XXL 100x60x60" in message


def test_item_heavier_than_every_box_is_too_large():
    with pytest.raises(ItemTooLarge, match="ANVIL"):
        pack([unit("ANVIL", 10, 10, 10, kg=80)], CATALOGUE)


def test_verify_reports_overlap_and_overflow():
    box = Box("B", 10, 10, 10, 5)
    a = unit("A", 6, 6, 6)
    bad = Carton(box, (Placement(a, 0, 0, 0, 6, 6, 6), Placement(a, 5, 5, 5, 6, 6, 6)))
    problems = verify(bad)
    assert any("overlaps" in p for p in problems)
    assert any("sticks out" in p for p in problems)


sides = st.floats(1, 70, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(sides, sides, sides, st.floats(0.05, 12)), min_size=1, max_size=14))
def test_every_carton_respects_its_box_and_every_unit_is_packed_once(specs):
    units = [PackUnit(f"S{i}", "o1", (a, b, c), kg) for i, (a, b, c, kg) in enumerate(specs)]
    try:
        cartons = pack(units, CATALOGUE)
    except ItemTooLarge:
        return
    for carton in cartons:
        assert verify(carton) == []
        assert 0 < carton.fill_rate <= 1 + 1e-9
    packed = Counter(p.unit.sku_id for c in cartons for p in c.placements)
    assert packed == Counter(u.sku_id for u in units)
    assert len(cartons) >= lower_bound(units, CATALOGUE)
