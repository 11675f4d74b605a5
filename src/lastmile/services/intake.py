"""Order intake from the API: geocode the address, then create the order idempotently.

Geocoding happens before the transaction (it is pure CPU on the offline geocoder) and
never refuses an order: an address the geocoder cannot place, or places with low
confidence, is stored with that confidence and shows up on the dispatcher's exception
board instead of being routed silently to a wrong point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from lastmile.domain import Address, Geocode, OrderStatus
from lastmile.services.orders import CreateOrder, OrderReceipt, create_order
from lastmile.services.unit_of_work import UnitOfWork

GeocodeFn = Callable[[str], Geocode | None]


def place_order(
    *,
    uow: UnitOfWork,
    command: CreateOrder,
    idempotency_key: str | None,
    geocode: GeocodeFn | None,
    review_threshold: float,
) -> OrderReceipt:
    """Geocode the order's address unless it already has a position, create it, and
    validate it when the position is trusted.

    An order whose address is placed with confidence at or above ``review_threshold``
    moves to ``validated`` (ready for sourcing); any other stays ``created`` and waits on
    the exception board for a person to confirm the address.

    Parameters
    ----------
    uow
        The unit of work.
    command
        The client's order.
    idempotency_key
        The request's ``Idempotency-Key`` header, if any.
    geocode
        Address string -> position with confidence (None: cannot place); None to skip.
    review_threshold
        Lowest geocode confidence that validates an order without a person.
    """
    address = command.address
    if address.geocode is None and geocode is not None:
        found = geocode(address.raw)
        if found is not None:
            command = replace(command, address=Address(address.raw, address.parts, found))
    receipt = create_order(uow=uow, command=command, idempotency_key=idempotency_key)
    order = receipt.order
    if receipt.created and order.address.confidence >= review_threshold:
        with uow:
            stored = uow.orders.get(order.order_id)
            if stored is not None and stored.status is OrderStatus.CREATED:
                method = stored.address.geocode.method.value if stored.address.geocode else ""
                stored.transition(
                    OrderStatus.VALIDATED,
                    reason=f"address placed ({method}, confidence {stored.address.confidence:.2f})",
                )
                uow.commit()
                order = stored
    return OrderReceipt(order, receipt.created)
