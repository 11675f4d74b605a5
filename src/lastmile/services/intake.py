"""Order intake from the API: geocode the address, create the order idempotently; and the
bulk validation of placed orders before sourcing.

Geocoding happens before the transaction (it is pure CPU on the offline geocoder) and
never refuses an order: an address the geocoder cannot place, or places with low
confidence, is stored with that confidence and shows up on the dispatcher's exception
board instead of being routed silently to a wrong point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from lastmile.domain import (
    Address,
    DomainError,
    Geocode,
    GeocodeMethod,
    GeoPoint,
    IllegalTransition,
    NotFound,
    Order,
    OrderStatus,
)
from lastmile.services.orders import (
    CreateOrder,
    OrderReceipt,
    OrderRequest,
    create_orders,
)
from lastmile.services.unit_of_work import UnitOfWork

GeocodeFn = Callable[[str], Geocode | None]


def place_orders(
    *, uow: UnitOfWork, requests: Sequence[OrderRequest], geocode: GeocodeFn | None
) -> list[OrderReceipt | DomainError]:
    """Geocode each order's address where needed, then create the group in one transaction.

    The API's group commit (``create_orders``): each request gets the answer
    ``create_order`` would have given it alone. Validation (``created`` -> ``validated``
    when the address is trusted) happens in bulk when orders are released to sourcing
    (``validate_placed_orders``), which keeps intake fast under load.
    """
    return create_orders(uow=uow, requests=geocode_requests(requests, geocode))


def geocode_requests(
    requests: Sequence[OrderRequest], geocode: GeocodeFn | None
) -> list[OrderRequest]:
    """Return ``requests`` with each address placed by ``geocode`` unless it already was."""
    return [replace(request, command=_placed(request.command, geocode)) for request in requests]


def needs_geocoding(requests: Sequence[OrderRequest]) -> bool:
    """Whether any of ``requests`` comes without a position."""
    return any(request.command.address.geocode is None for request in requests)


def _placed(command: CreateOrder, geocode: GeocodeFn | None) -> CreateOrder:
    address = command.address
    if address.geocode is None and geocode is not None:
        found = geocode(address.raw)
        if found is not None:
            return replace(command, address=Address(address.raw, address.parts, found))
    return command


def validate_placed_orders(*, uow: UnitOfWork, review_threshold: float) -> list[str]:
    """Validate every created order whose address is placed with trusted confidence.

    Orders that arrive by import or from the sample network skip the API's intake; this
    applies the same rule to them. Returns the ids validated.
    """
    done: list[str] = []
    with uow:
        for order in uow.orders.list(status=OrderStatus.CREATED):
            if order.address.confidence >= review_threshold:
                order.transition(
                    OrderStatus.VALIDATED,
                    reason=f"address placed with confidence {order.address.confidence:.2f}",
                )
                done.append(order.order_id)
        if done:
            uow.commit()
    return done


def confirm_address(
    *, uow: UnitOfWork, order_id: str, point: GeoPoint, raw: str | None = None
) -> Order:
    """A person places a flagged order's address (and may correct its text); validate it.

    Raises
    ------
    NotFound
        No such order.
    IllegalTransition
        The order is past intake (the address can no longer change).
    """
    with uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound("order", order_id)
        if order.status is not OrderStatus.CREATED:
            raise IllegalTransition("order", order.status.value, OrderStatus.VALIDATED.value)
        text = raw if raw is not None else order.address.raw
        order.address = Address(
            text,
            {} if raw is not None else order.address.parts,
            Geocode(point, 1.0, GeocodeMethod.PROVIDED),
        )
        order.transition(OrderStatus.VALIDATED, reason="address confirmed by a person")
        uow.commit()
    return order
