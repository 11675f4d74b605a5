"""Request dependencies: the app's context, a unit of work, policies, paging."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from lastmile.api.app import ApiContext
from lastmile.api.security import ALL_ROLES, Allow
from lastmile.services.auth import Principal, Role
from lastmile.services.unit_of_work import UnitOfWork


# Async because they do no I/O: a sync dependency costs a hop to the thread pool.
async def get_ctx(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx


async def get_uow(ctx: Annotated[ApiContext, Depends(get_ctx)]) -> UnitOfWork:
    return ctx.uow_factory()


CtxDep = Annotated[ApiContext, Depends(get_ctx)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]

Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="items to skip")]

R = Role
# The policies, named once so the matrix test and the routers agree on who may do what.
Anyone = Annotated[Principal, Depends(Allow(*ALL_ROLES))]
Staff = Annotated[Principal, Depends(Allow(R.ADMIN, R.DISPATCHER))]
StaffOrWarehouse = Annotated[Principal, Depends(Allow(R.ADMIN, R.DISPATCHER, R.WAREHOUSE))]
Operations = Annotated[Principal, Depends(Allow(R.ADMIN, R.DISPATCHER, R.WAREHOUSE, R.INTEGRATOR))]
Intake = Annotated[Principal, Depends(Allow(R.ADMIN, R.DISPATCHER, R.INTEGRATOR))]
Integration = Annotated[Principal, Depends(Allow(R.ADMIN, R.INTEGRATOR))]
Admin = Annotated[Principal, Depends(Allow(R.ADMIN))]
Fleet = Annotated[Principal, Depends(Allow(R.ADMIN, R.DISPATCHER, R.DRIVER))]
DriverOnly = Annotated[Principal, Depends(Allow(R.DRIVER))]
