"""Promise queries read from caches that are refreshed behind them, not on their path."""

from __future__ import annotations

import time

from fastapi import FastAPI

from lastmile.domain import Dimensions, Sku
from lastmile.services.fakes import FakeUnitOfWork
from lastmile.services.promise import in_a_thread


def test_old_weights_answer_at_once_while_a_thread_reads_them_again(
    app: FastAPI, uow: FakeUnitOfWork
) -> None:
    ctx = app.state.ctx
    assert ctx.cached_sku_weights() is None, "nothing read yet: the caller reads"
    first = ctx.sku_weights()
    assert set(first) == {"SKU1"}
    with uow:
        uow.skus.add(Sku("SKU2", "Plate", Dimensions(20, 20, 2), 0.7))
        uow.commit()
    assert ctx.cached_sku_weights() == first, "young weights are not read again"
    ctx.cache["sku_weights"] = (time.monotonic() - 31.0, first)
    assert ctx.cached_sku_weights() == first, "old weights still answer, without waiting"
    deadline = time.monotonic() + 5
    while ctx._weights_refresh.locked() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not ctx._weights_refresh.locked(), "the refresh ended"
    assert ctx.cached_sku_weights() == {"SKU1": 0.4, "SKU2": 0.7}


def test_weights_twice_too_old_are_read_by_the_caller(app: FastAPI) -> None:
    ctx = app.state.ctx
    first = ctx.sku_weights()
    ctx.cache["sku_weights"] = (time.monotonic() - 61.0, first)
    assert ctx.cached_sku_weights() is None


def test_the_servers_promise_desk_refreshes_in_the_background(app: FastAPI) -> None:
    assert app.state.ctx.promise_desk().in_background is in_a_thread
