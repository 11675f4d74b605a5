"""Stock use cases: receive, reserve, release, pick, adjust, transfer.

Each is one transaction, retried when a concurrent writer got to the same stock level
first. Levels are read ``for_update`` (a row lock on PostgreSQL; SQLite serialises writers)
and the version column catches anything that slips through, so reservations never exceed
what is available however many workers compete. The ledger rows are written by the unit
of work in the same transaction as the level they change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from lastmile.domain import InvalidValue, NotFound, OutOfStock, StockLevel, StockMovement
from lastmile.services.unit_of_work import UnitOfWork, retry_on_conflict

__all__ = ["adjust", "pick", "receive", "release", "reserve", "reserve_many", "transfer"]


def _check_known(uow: UnitOfWork, sku_id: str, warehouse_id: str) -> None:
    if uow.skus.get(sku_id) is None:
        raise NotFound("sku", sku_id)
    if uow.warehouses.get(warehouse_id) is None:
        raise NotFound("warehouse", warehouse_id)


def _level(uow: UnitOfWork, sku_id: str, warehouse_id: str, *, create: bool) -> StockLevel:
    level = uow.stock.get(sku_id, warehouse_id, for_update=True)
    if level is not None:
        return level
    _check_known(uow, sku_id, warehouse_id)
    level = StockLevel(sku_id, warehouse_id)
    if create:
        uow.stock.add(level)
    return level


def _one(
    uow: UnitOfWork,
    sku_id: str,
    warehouse_id: str,
    change: Callable[[StockLevel], StockMovement],
    *,
    create: bool = False,
) -> StockMovement:
    def attempt() -> StockMovement:
        with uow:
            movement = change(_level(uow, sku_id, warehouse_id, create=create))
            uow.commit()
            return movement

    return retry_on_conflict(attempt)


def receive(
    *,
    uow: UnitOfWork,
    sku_id: str,
    warehouse_id: str,
    quantity: int,
    reference: str = "",
    at: datetime | None = None,
) -> StockMovement:
    """Book ``quantity`` units of a SKU into a warehouse.

    Raises
    ------
    NotFound
        When the SKU or the warehouse does not exist.
    InvalidValue
        When ``quantity`` is not a positive integer.
    """
    return _one(
        uow,
        sku_id,
        warehouse_id,
        lambda lv: lv.receive(quantity, reference=reference, at=at),
        create=True,
    )


def reserve(
    *,
    uow: UnitOfWork,
    sku_id: str,
    warehouse_id: str,
    quantity: int,
    reference: str = "",
    at: datetime | None = None,
) -> StockMovement:
    """Hold ``quantity`` available units for an order.

    Raises
    ------
    OutOfStock
        When fewer than ``quantity`` units are available; nothing is reserved then.
    """
    return _one(
        uow, sku_id, warehouse_id, lambda lv: lv.reserve(quantity, reference=reference, at=at)
    )


def release(
    *,
    uow: UnitOfWork,
    sku_id: str,
    warehouse_id: str,
    quantity: int,
    reference: str = "",
    at: datetime | None = None,
) -> StockMovement:
    """Give ``quantity`` reserved units back to available stock."""
    return _one(
        uow, sku_id, warehouse_id, lambda lv: lv.release(quantity, reference=reference, at=at)
    )


def pick(
    *,
    uow: UnitOfWork,
    sku_id: str,
    warehouse_id: str,
    quantity: int,
    reference: str = "",
    at: datetime | None = None,
) -> StockMovement:
    """Take ``quantity`` reserved units off the shelf (on-hand and reserved both drop)."""
    return _one(uow, sku_id, warehouse_id, lambda lv: lv.pick(quantity, reference=reference, at=at))


def adjust(
    *,
    uow: UnitOfWork,
    sku_id: str,
    warehouse_id: str,
    delta: int,
    reference: str = "",
    at: datetime | None = None,
) -> StockMovement:
    """Correct on-hand by ``delta`` after a count; it cannot drop below what is reserved."""
    return _one(
        uow,
        sku_id,
        warehouse_id,
        lambda lv: lv.adjust(delta, reference=reference, at=at),
        create=delta > 0,
    )


def transfer(
    *,
    uow: UnitOfWork,
    sku_id: str,
    from_warehouse_id: str,
    to_warehouse_id: str,
    quantity: int,
    reference: str = "",
    at: datetime | None = None,
) -> tuple[StockMovement, StockMovement]:
    """Move available stock between warehouses in one transaction.

    Returns
    -------
    tuple
        The ``transfer_out`` and ``transfer_in`` movements.
    """
    if from_warehouse_id == to_warehouse_id:
        raise InvalidValue("to_warehouse_id", "is the same as from_warehouse_id")

    def attempt() -> tuple[StockMovement, StockMovement]:
        with uow:
            # Lock in a fixed order so two opposite transfers cannot deadlock.
            levels = {
                wid: _level(uow, sku_id, wid, create=wid == to_warehouse_id)
                for wid in sorted((from_warehouse_id, to_warehouse_id))
            }
            out = levels[from_warehouse_id].transfer_out(quantity, reference=reference, at=at)
            into = levels[to_warehouse_id].transfer_in(quantity, reference=reference, at=at)
            uow.commit()
            return out, into

    return retry_on_conflict(attempt)


def reserve_many(
    *,
    uow: UnitOfWork,
    warehouse_id: str,
    quantities: Mapping[str, int],
    reference: str = "",
    at: datetime | None = None,
) -> list[StockMovement]:
    """Reserve several SKUs at one warehouse, all or none (e.g. every line of an order).

    Raises
    ------
    OutOfStock
        For the first SKU short of stock; nothing is reserved then.
    """
    if not quantities:
        raise InvalidValue("quantities", "is empty")

    def attempt() -> list[StockMovement]:
        with uow:
            movements = []
            # Sorted so concurrent multi-SKU reservations take row locks in the same order.
            for sku_id in sorted(quantities):
                level = uow.stock.get(sku_id, warehouse_id, for_update=True)
                if level is None:
                    _check_known(uow, sku_id, warehouse_id)
                    raise OutOfStock(sku_id, warehouse_id, quantities[sku_id], 0)
                movements.append(level.reserve(quantities[sku_id], reference=reference, at=at))
            uow.commit()
            return movements

    return retry_on_conflict(attempt)
