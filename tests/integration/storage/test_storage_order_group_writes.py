"""The group commit on a real database: one look-up and one INSERT per table for a group,
and every request answered as it would be alone."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event

from lastmile.bootstrap import make_uow_factory
from lastmile.domain import Address, Conflict, Dimensions, DomainError, InvalidValue, OrderLine, Sku
from lastmile.services.orders import (
    CreateOrder,
    OrderReceipt,
    OrderRequest,
    create_order,
    create_orders,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_clients = itertools.count()


def _seed(engine: Engine) -> None:
    with make_uow_factory(engine)() as uow:
        if not uow.skus.existing_ids(["S1"]):
            for sku_id in ("S1", "S2"):
                uow.skus.add(Sku(sku_id, sku_id, Dimensions(10, 10, 10), 0.5))
            uow.commit()


def _command(client: str, external_id: str, sku: str = "S1", quantity: int = 1) -> CreateOrder:
    return CreateOrder(
        external_id=external_id,
        customer_id="c-7",
        address=Address("400 E Pratt St, Baltimore, MD 21202"),
        lines=(OrderLine(sku, quantity),),
        client_id=client,
    )


def _summary(outcome: OrderReceipt | DomainError) -> tuple[Any, ...]:
    if isinstance(outcome, DomainError):
        return (type(outcome).__name__,)
    lines = [(line.sku_id, line.quantity) for line in outcome.order.lines]
    return (outcome.created, outcome.order.external_id, lines)


def _stored(engine: Engine, client: str) -> tuple[list[tuple[str, int]], int, list[str]]:
    """The client's stored orders (external id, units), events and keys."""
    with make_uow_factory(engine)() as uow:
        orders = [o for o in uow.orders.list() if o.client_id == client]
        ids = {o.order_id for o in orders}
        # Every example's events stay in the file: read them all, not the first page.
        events = [e for e in uow.outbox.unrelayed(limit=1_000_000) if e.aggregate_id in ids]
        keys = [k for k in ("k1", "k2", "k3") if uow.idempotency.get(client, k) is not None]
    return sorted((o.external_id, o.total_units) for o in orders), len(events), keys


def test_a_group_is_one_look_up_and_one_insert_per_table(engine: Engine) -> None:
    _seed(engine)
    client = f"shop-{next(_clients)}"
    requests = [OrderRequest(_command(client, f"e{i}"), f"k{i}") for i in range(20)]
    with make_uow_factory(engine)() as uow:
        uow.skus.existing_ids(["S1"])  # the SKU check is answered from memory from now on
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if sql.lstrip().upper().startswith(("SELECT", "INSERT")):
            statements.append(sql.split()[0].upper())

    event.listen(engine, "before_cursor_execute", count)
    try:
        outcomes = create_orders(uow=make_uow_factory(engine)(), requests=requests, now=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert all(isinstance(o, OrderReceipt) and o.created for o in outcomes)
    # One look-up of external ids and keys; orders, lines, events and keys inserted.
    assert statements.count("SELECT") == 1
    assert statements.count("INSERT") == 4
    assert _stored(engine, client)[1] == 20


_request = st.tuples(
    st.sampled_from(["x", "y", "z"]),
    st.one_of(st.none(), st.sampled_from(["k1", "k2", "k3"])),
    st.sampled_from(["S1", "S2", "NOPE"]),
    st.integers(min_value=1, max_value=2),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_request, min_size=1, max_size=8))
def test_a_stored_group_answers_and_stores_exactly_as_one_by_one(
    engine: Engine, asks: list[tuple[str, str | None, str, int]]
) -> None:
    # Each example works under fresh client ids, so examples never see each other's orders.
    _seed(engine)
    factory = make_uow_factory(engine)
    alone, grouped = f"alone-{next(_clients)}", f"group-{next(_clients)}"
    expected: list[tuple[Any, ...]] = []
    for ext, key, sku, quantity in asks:
        try:
            receipt = create_order(
                uow=factory(),
                command=_command(alone, ext, sku, quantity),
                idempotency_key=key,
                now=NOW,
            )
            expected.append(_summary(receipt))
        except (Conflict, InvalidValue) as error:
            expected.append(_summary(error))
    requests = [
        OrderRequest(_command(grouped, ext, sku, quantity), key) for ext, key, sku, quantity in asks
    ]

    outcomes = create_orders(uow=factory(), requests=requests, now=NOW)

    assert [_summary(o) for o in outcomes] == expected
    assert _stored(engine, grouped) == _stored(engine, alone)


def test_the_group_look_ups_use_the_unique_indexes_not_a_scan(sqlite_engine: Engine) -> None:
    # Intake slowed down as the table grew when "(a, b) IN (VALUES ...)" scanned it.
    from lastmile.adapters.db.order_repository import _priors_statement

    sql = _priors_statement(False).params(client_id="c", externals=["a", "b"], keys=["k"])
    compiled = sql.compile(sqlite_engine, compile_kwargs={"literal_binds": True})
    with sqlite_engine.connect() as conn:
        plan = [str(row[3]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]
    searches = [step for step in plan if step.startswith(("SEARCH", "SCAN"))]
    assert len(searches) == 2 and all("USING INDEX" in step for step in searches), plan
