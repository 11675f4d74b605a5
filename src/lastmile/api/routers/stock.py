"""Stock levels, the ledger, and stock movements through the stock use cases."""

from __future__ import annotations

from fastapi import APIRouter

from lastmile.api.deps import Limit, Offset, Operations, StaffOrWarehouse, UowDep
from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.schemas.catalog import MovementRead, StockMove, StockRead
from lastmile.api.schemas.common import PageOut
from lastmile.domain import InvalidValue, MovementKind, StockMovement
from lastmile.services import catalog, stock

router = APIRouter(prefix="/api/v1/stock", tags=["stock"], responses=ERROR_RESPONSES)


@router.get("")
def list_stock(
    _: Operations,
    uow: UowDep,
    warehouse_id: str | None = None,
    sku_id: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[StockRead]:
    """List stock levels (on hand, reserved, available), filtered by warehouse and SKU."""
    page = catalog.list_stock(
        uow=uow, warehouse_id=warehouse_id, sku_id=sku_id, limit=limit, offset=offset
    )
    return PageOut[StockRead].of(page, StockRead.of)


@router.get("/{warehouse_id}/{sku_id}/ledger")
def ledger(
    warehouse_id: str,
    sku_id: str,
    _: StaffOrWarehouse,
    uow: UowDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[MovementRead]:
    """The append-only ledger of one SKU at one warehouse, oldest first."""
    page = catalog.stock_ledger(
        uow=uow, sku_id=sku_id, warehouse_id=warehouse_id, limit=limit, offset=offset
    )
    return PageOut[MovementRead].of(page, MovementRead.of)


@router.post("/{warehouse_id}/{sku_id}/movements", status_code=201)
def move(
    warehouse_id: str, sku_id: str, body: StockMove, _: StaffOrWarehouse, uow: UowDep
) -> list[MovementRead]:
    """Book a movement: receipt, reservation, release, pick, adjustment or transfer."""
    if body.kind is not MovementKind.ADJUSTMENT and body.quantity <= 0:
        raise InvalidValue("quantity", f"must be > 0 for a {body.kind}, got {body.quantity}")
    w, q, ref = warehouse_id, body.quantity, body.reference
    moved: list[StockMovement]
    match body.kind:
        case MovementKind.RECEIPT:
            moved = [
                stock.receive(uow=uow, sku_id=sku_id, warehouse_id=w, quantity=q, reference=ref)
            ]
        case MovementKind.RESERVATION:
            moved = [
                stock.reserve(uow=uow, sku_id=sku_id, warehouse_id=w, quantity=q, reference=ref)
            ]
        case MovementKind.RELEASE:
            moved = [
                stock.release(uow=uow, sku_id=sku_id, warehouse_id=w, quantity=q, reference=ref)
            ]
        case MovementKind.PICK:
            moved = [stock.pick(uow=uow, sku_id=sku_id, warehouse_id=w, quantity=q, reference=ref)]
        case MovementKind.ADJUSTMENT:
            moved = [stock.adjust(uow=uow, sku_id=sku_id, warehouse_id=w, delta=q, reference=ref)]
        case MovementKind.TRANSFER_OUT:
            if body.to_warehouse_id is None:
                raise InvalidValue("to_warehouse_id", "a transfer needs a destination")
            moved = list(
                stock.transfer(
                    uow=uow,
                    sku_id=sku_id,
                    from_warehouse_id=w,
                    to_warehouse_id=body.to_warehouse_id,
                    quantity=q,
                    reference=ref,
                )
            )
        case _:
            raise InvalidValue("kind", "book a transfer_out at the sending warehouse")
    return [MovementRead.of(m) for m in moved]
