"""The domain model: plain dataclasses and rules, standard library only."""

from lastmile.domain.address import Address, Geocode, GeocodeMethod
from lastmile.domain.catalog import Dimensions, Sku
from lastmile.domain.errors import (
    Conflict,
    DomainError,
    IllegalTransition,
    InvalidValue,
    NotFound,
    OutOfStock,
)
from lastmile.domain.events import DomainEvent
from lastmile.domain.fleet import Capacity, Shift, Vehicle
from lastmile.domain.geo import GeoPoint, haversine_m
from lastmile.domain.ledger import MovementKind, StockLevel, StockMovement
from lastmile.domain.order import DeliveryOption, Order, OrderLine
from lastmile.domain.route import OPEN_STOPS, Route, Stop, StopStatus
from lastmile.domain.shipment import Parcel, ParcelItem, ProofMethod, Shipment
from lastmile.domain.status import OrderStatus, can_transition, check_transition
from lastmile.domain.time_window import TimeWindow
from lastmile.domain.warehouse import Warehouse

__all__ = [
    "OPEN_STOPS",
    "Address",
    "Capacity",
    "Conflict",
    "DeliveryOption",
    "Dimensions",
    "DomainError",
    "DomainEvent",
    "GeoPoint",
    "Geocode",
    "GeocodeMethod",
    "IllegalTransition",
    "InvalidValue",
    "MovementKind",
    "NotFound",
    "Order",
    "OrderLine",
    "OrderStatus",
    "OutOfStock",
    "Parcel",
    "ParcelItem",
    "ProofMethod",
    "Route",
    "Shift",
    "Shipment",
    "Sku",
    "StockLevel",
    "StockMovement",
    "Stop",
    "StopStatus",
    "TimeWindow",
    "Vehicle",
    "Warehouse",
    "can_transition",
    "check_transition",
    "haversine_m",
]
