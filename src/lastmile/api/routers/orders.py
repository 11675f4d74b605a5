"""Orders: idempotent intake (``Idempotency-Key``), lists with filters, one order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response
from pydantic import Field

from lastmile.api.deps import CtxDep, Intake, Limit, Offset, Staff, StaffOrWarehouse, UowDep
from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.schemas.common import PageOut, Strict
from lastmile.api.schemas.orders import OrderCreate, OrderRead
from lastmile.domain import GeoPoint, NotFound, OrderStatus
from lastmile.services import catalog
from lastmile.services.auth import Role
from lastmile.services.intake import confirm_address
from lastmile.services.orders import OrderRequest

router = APIRouter(prefix="/api/v1", tags=["orders"], responses=ERROR_RESPONSES)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="the same key and body again returns the first result and creates nothing",
    ),
]


@router.post(
    "/orders",
    status_code=201,
    responses={200: {"model": OrderRead, "description": "replay of an earlier request"}},
)
async def create_order(
    body: OrderCreate,
    principal: Intake,
    ctx: CtxDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> OrderRead:
    """Place an order; a repeated request (same key or external id, same body) is a replay.

    The idempotency scope is the calling credential, so two clients never collide.
    """
    # The hot path of intake: parsing and serialising stay on the loop; the database work
    # goes to this process's writer, which commits the requests queued meanwhile together.
    receipt = await ctx.intake_groups().submit(
        OrderRequest(body.to_command(client_id=principal.subject), idempotency_key)
    )
    if not receipt.created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return OrderRead.of(receipt.order)


@router.get("/orders")
def list_orders(
    _: StaffOrWarehouse,
    uow: UowDep,
    status: OrderStatus | None = None,
    customer_id: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[OrderRead]:
    """List orders, newest first, filtered by status and customer."""
    page = catalog.list_orders(
        uow=uow, status=status, customer_id=customer_id, limit=limit, offset=offset
    )
    return PageOut[OrderRead].of(page, OrderRead.of)


@router.get("/orders/{order_id}")
def get_order(order_id: str, principal: Intake, uow: UowDep) -> OrderRead:
    """Show one order; an integrator sees only the orders it placed."""
    order = catalog.get_order(uow=uow, order_id=order_id)
    if principal.role is Role.INTEGRATOR and order.client_id != principal.subject:
        # Answer as if it did not exist: another client's order ids are not to be probed.
        raise NotFound("order", order_id)
    return OrderRead.of(order)


class AddressConfirm(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    address: str | None = Field(default=None, min_length=1, max_length=500)


@router.post("/orders/{order_id}/address")
def confirm_order_address(order_id: str, body: AddressConfirm, _: Staff, uow: UowDep) -> OrderRead:
    """Place a flagged order's address by hand (optionally correcting it) and validate it."""
    order = confirm_address(
        uow=uow, order_id=order_id, point=GeoPoint(body.lat, body.lon), raw=body.address
    )
    return OrderRead.of(order)
