"""The dashboard's feeds: live events over SSE, the road layer, the board and KPIs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from lastmile.api.deps import CtxDep, Fleet, Staff, StaffOrWarehouse, UowDep
from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.map_layers import load_road_layer
from lastmile.api.schemas.routes import KpisRead, OrderBoardRead
from lastmile.services import dashboard

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)


@router.get(
    "/live",
    tags=["live"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def live(_: Staff, ctx: CtxDep) -> StreamingResponse:
    """Server-sent events: van positions, stop outcomes, plan and disruption changes."""
    return StreamingResponse(
        ctx.live.stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/map/roads", tags=["live"])
def roads(_: Fleet, ctx: CtxDep) -> dict[str, Any]:
    """The road network as simplified GeoJSON lines (from the project's OSM extract)."""
    layer = ctx.cache.get("roads")
    if layer is None:
        layer = ctx.cache["roads"] = load_road_layer(ctx.settings.osm_path)
    result: dict[str, Any] = layer
    return result


@router.get("/orders/board", tags=["orders"])
def order_board(_: StaffOrWarehouse, uow: UowDep, ctx: CtxDep) -> OrderBoardRead:
    """Orders by status and the exceptions to handle."""
    board = dashboard.order_board(uow=uow, review_threshold=ctx.settings.geocode_review_threshold)
    return OrderBoardRead.of(board)


@router.get("/kpis", tags=["kpis"])
def kpis(_: StaffOrWarehouse, uow: UowDep) -> KpisRead:
    """Delivery, cost and carbon figures of the stored plan and outcomes."""
    return KpisRead.of(dashboard.kpis(uow=uow))
