"""Catalog lists on the fake unit of work: filtered, ordered and paged by the repository."""

from __future__ import annotations

from datetime import time

from lastmile.domain import Dimensions, GeoPoint, Sku, Warehouse
from lastmile.services import catalog
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.services.stock import receive


def _stocked() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        for w in ("W2", "W1"):
            uow.warehouses.add(Warehouse(w, w, GeoPoint(39.3, -76.6), time(11), time(21), 100, 1.0))
        for s in ("S3", "S1", "S2"):
            uow.skus.add(Sku(s, s, Dimensions(10, 10, 10), 1.0))
        uow.commit()
    for w in ("W2", "W1"):
        for s in ("S3", "S1", "S2"):
            receive(uow=uow, sku_id=s, warehouse_id=w, quantity=5)
    return uow


def test_stock_is_listed_by_warehouse_then_sku_with_the_total_of_all_pages() -> None:
    page = catalog.list_stock(uow=_stocked(), limit=4, offset=1)
    assert [(s.warehouse_id, s.sku_id) for s in page.items] == [
        ("W1", "S2"),
        ("W1", "S3"),
        ("W2", "S1"),
        ("W2", "S2"),
    ]
    assert (page.total, page.limit, page.offset) == (6, 4, 1)


def test_stock_of_one_sku_counts_only_its_warehouses() -> None:
    page = catalog.list_stock(uow=_stocked(), sku_id="S2", limit=50, offset=0)
    assert [s.warehouse_id for s in page.items] == ["W1", "W2"] and page.total == 2


def test_a_ledger_page_is_cut_oldest_first_and_knows_the_ledger_length() -> None:
    uow = _stocked()
    for quantity in (1, 2, 3):
        receive(uow=uow, sku_id="S1", warehouse_id="W1", quantity=quantity)
    page = catalog.stock_ledger(uow=uow, sku_id="S1", warehouse_id="W1", limit=2, offset=1)
    assert [m.quantity for m in page.items] == [1, 2] and page.total == 4


def test_an_offset_past_the_end_gives_no_items_but_the_true_total() -> None:
    page = catalog.list_skus(uow=_stocked(), limit=10, offset=99)
    assert (page.items, page.total) == ([], 3)


def test_limits_are_clamped_before_the_repository_is_asked() -> None:
    page = catalog.list_warehouses(uow=_stocked(), limit=0, offset=-3)
    assert (page.limit, page.offset, [w.warehouse_id for w in page.items]) == (1, 0, ["W1"])
