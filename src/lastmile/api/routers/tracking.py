"""The customer's tracking page and its JSON: only the token's own shipment, nothing else."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from lastmile.api.deps import CtxDep, UowDep
from lastmile.api.errors import ERROR_RESPONSES
from lastmile.api.schemas.delivery import TrackingRead
from lastmile.api.security import Public
from lastmile.domain import NotFound
from lastmile.services.auth import Principal
from lastmile.services.tracking import track

router = APIRouter(responses=ERROR_RESPONSES)
PublicDep = Annotated[Principal | None, Depends(Public())]

STATUS_LABELS = {
    "processing": "Being prepared",
    "scheduled": "Scheduled for delivery",
    "out_for_delivery": "Out for delivery",
    "next_stop": "You are the next stop",
    "delivered": "Delivered",
    "attempt_failed": "Delivery attempt failed",
}


@router.get("/api/v1/track/{token}", tags=["tracking"])
def tracking_json(token: str, _: PublicDep, uow: UowDep, ctx: CtxDep) -> TrackingRead:
    """Status, ETA window and stops before yours, for the holder of the token."""
    return TrackingRead.of(track(uow=uow, tracking=ctx.tracking(uow), token=token))


@router.get("/track/{token}", response_class=HTMLResponse, include_in_schema=False)
def tracking_page(token: str, request: Request, _: PublicDep, uow: UowDep, ctx: CtxDep) -> Response:
    """The tracking page a customer opens from the link in their notification."""
    try:
        view = track(uow=uow, tracking=ctx.tracking(uow), token=token)
    except NotFound:
        return HTMLResponse(
            "<!doctype html><title>Not found</title><p>No delivery for this link.</p>",
            status_code=404,
        )
    context = {
        "principal": None,
        "csrf_token": None,
        "view": {
            "status": view.status,
            "status_label": STATUS_LABELS.get(view.status, view.status.replace("_", " ")),
            "eta_start": f"{view.eta.start:%H:%M}" if view.eta else None,
            "eta_end": f"{view.eta.end:%H:%M}" if view.eta else None,
            "stops_before": view.stops_before,
            "delivered_at": None,
            "proof_method": view.proof_method,
        },
    }
    return ctx.templates.TemplateResponse(request, "tracking.html", context)
