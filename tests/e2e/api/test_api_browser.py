"""A day in the browser: the dispatcher plans, a driver delivers with a PIN, the customer
sees it delivered. Runs Debian's Chromium through Playwright against a live server.

The three tests share one server and run in order: each starts where the last one left
the day.
"""

from __future__ import annotations

from typing import Any

import pytest

from lastmile.bootstrap import make_engine, make_uow_factory
from tests.e2e.api.conftest import (
    ARTIFACTS,
    HOSTILE_ADDRESS,
    PASSWORD,
    WAREHOUSES,
    LiveServer,
    seed_day,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # The server runs in this process, so pytest's warnings-as-errors reach the solver:
    # PyVRP warns when its penalty hits the bound while searching, which it recovers from.
    pytest.mark.filterwarnings("ignore::pyvrp.exceptions.PenaltyBoundWarning"),
]

STATE: dict[str, Any] = {}


def _login(page: Any, url: str, username: str) -> None:
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-button")


@pytest.fixture(scope="module")
def released(live_server: LiveServer) -> LiveServer:
    """Orders sourced into shipments whose proof is a PIN, vans ready, as the day starts."""
    STATE["day"] = seed_day(live_server)
    return live_server


def test_dispatcher_logs_in_plans_the_day_and_sees_routes_on_the_map(
    released: LiveServer, browser: Any
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    _login(page, released.url, "dispatch")
    page.wait_for_url("**/dashboard")
    # The road network is drawn from the project's own OSM data (canvas layer).
    page.wait_for_selector(".leaflet-overlay-pane canvas", state="attached")
    page.wait_for_function("document.getElementById('plan-button') !== null")
    page.click("#plan-button")
    page.wait_for_function(
        "document.getElementById('plan-status').textContent.startsWith('Planned')",
        timeout=90_000,
    )
    page.wait_for_selector("path.route-line", state="attached", timeout=30_000)
    assert page.locator("path.route-line").count() >= 1
    assert page.locator("path.stop-marker").count() >= 1
    assert int(page.text_content("#route-count") or "0") >= 1
    # The unplaceable address is on the exception board as text, not as markup.
    hostile = page.locator("#exceptions li", has_text="nowhere lane")
    hostile.wait_for()
    assert HOSTILE_ADDRESS in (hostile.text_content() or "")
    assert page.locator("#exceptions img").count() == 0
    assert page.title() != "pwned"
    page.screenshot(path=str(ARTIFACTS / "dashboard-planned.png"), full_page=True)
    # The dispatcher places that address by hand: the order is validated, off the board.
    hostile.locator("button.place").click()
    page.click("#map", position={"x": 200, "y": 200})
    page.wait_for_function("document.getElementById('plan-status').textContent.includes('placed')")
    page.wait_for_function(
        "![...document.querySelectorAll('#exceptions li')]"
        ".some(li => li.textContent.includes('nowhere lane'))"
    )
    context.close()

    routes = released.api("GET", "/api/v1/routes?limit=100").json()["items"]
    route = next(r for r in routes if r["stops"])
    STATE["route"] = route
    # The warehouse picks and packs the day's waves before the vans leave.
    for wid in WAREHOUSES:
        r = released.api(
            "POST",
            "/api/v1/waves/complete",
            json={"warehouse_id": wid, "delivery_date": STATE["day"]},
        )
        assert r.status_code == 200, r.text


def _pin_for(live: LiveServer, shipment_id: str) -> str:
    # The PIN reaches the customer through the shipment.pin_issued event (webhook); the
    # test reads it where the notifier would, from the outbox.
    uow = make_uow_factory(make_engine(live.database_url))()
    with uow:
        events = uow.outbox.unrelayed(limit=100_000)
    pins = [
        e.data["pin"]
        for e in events
        if e.kind == "shipment.pin_issued" and e.aggregate_id == shipment_id
    ]
    assert pins, f"no PIN issued for {shipment_id}"
    return str(pins[-1])


def test_driver_on_a_phone_delivers_a_stop_with_the_pin(released: LiveServer, browser: Any) -> None:
    route = STATE.get("route")
    if route is None:
        pytest.skip("needs the dispatcher's plan")
    stop = route["stops"][0]
    shipment_id = stop["shipment_ids"][0]
    pin = _pin_for(released, shipment_id)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": stop["lat"], "longitude": stop["lon"], "accuracy": 8},
        permissions=["geolocation"],
    )
    page = context.new_page()
    # The dispatcher watches the map while the driver starts: the van appears live (SSE).
    board_ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    board = board_ctx.new_page()
    _login(board, released.url, "dispatch")
    board.wait_for_url("**/dashboard")
    board.wait_for_selector("path.route-line", state="attached", timeout=30_000)
    _login(page, released.url, f"driver-{route['driver_id'].lower()}")
    page.wait_for_url("**/driver")
    first = page.locator(f"li.stop[data-stop='{stop['stop_id']}']")
    first.wait_for()
    page.click("#start-route")
    page.wait_for_function(
        "document.getElementById('driver-message').textContent.startsWith('Route started')"
    )
    assert first.locator(".nav-link").get_attribute("href", timeout=5000).startswith("geo:")
    first.locator(".method").select_option("pin")
    first.locator(".pin").fill(pin)
    first.locator(".deliver-button").click()
    page.wait_for_function(
        "['Stop delivered', 'Not accepted'].some("
        "t => document.getElementById('driver-message').textContent.startsWith(t))",
        timeout=30_000,
    )
    page.screenshot(path=str(ARTIFACTS / "driver-delivered.png"), full_page=True)
    assert page.text_content("#driver-message") == "Stop delivered"
    context.close()
    # The phone's position beacon reached the dashboard over server-sent events.
    board.wait_for_selector("path.van-marker", state="attached", timeout=30_000)
    assert board.text_content("#van-count") == "1"
    board.screenshot(path=str(ARTIFACTS / "dashboard-live-van.png"), full_page=True)
    board_ctx.close()
    r = released.api("GET", f"/api/v1/routes/{route['route_id']}")
    assert r.json()["stops"][0]["status"] == "delivered"
    chain = released.api("GET", f"/api/v1/routes/{route['route_id']}/evidence").json()
    assert chain["intact"] and len(chain["records"]) == 1
    assert chain["records"][0]["body"]["shipment_id"] == shipment_id
    STATE["shipment_id"] = shipment_id


def test_customer_tracking_page_shows_delivered(released: LiveServer, browser: Any) -> None:
    shipment_id = STATE.get("shipment_id")
    if shipment_id is None:
        pytest.skip("needs the driver's delivery")
    token = _token_of(released, shipment_id)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{released.url}/track/{token}")
    assert page.text_content("#tracking-status") == "Delivered"
    page.screenshot(path=str(ARTIFACTS / "tracking-delivered.png"), full_page=True)
    context.close()


def _token_of(live: LiveServer, shipment_id: str) -> str:
    uow = make_uow_factory(make_engine(live.database_url))()
    with uow:
        shipment = uow.shipments.get(shipment_id)
        assert shipment is not None
        return shipment.tracking_token


def test_dispatcher_posts_a_weather_disruption_from_the_dashboard(
    released: LiveServer, browser: Any
) -> None:
    if STATE.get("route") is None:
        pytest.skip("needs the dispatcher's plan")
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    _login(page, released.url, "dispatch")
    page.wait_for_url("**/dashboard")
    page.wait_for_selector("path.route-line", state="attached", timeout=30_000)
    page.click("#disruption-button")
    page.select_option("#disruption-kind", "weather")
    page.fill("#disruption-factor", "1.6")
    page.fill("#disruption-radius", "3000")
    page.fill("#disruption-note", "<b>storm</b> over the harbour")
    page.click("#disruption-submit")
    page.wait_for_function(
        "document.getElementById('plan-status').textContent.startsWith('Disruption')",
        timeout=60_000,
    )
    assert page.text_content("#plan-status").startswith("Disruption posted")
    assert page.locator("path.disruption-area").count() == 1
    page.screenshot(path=str(ARTIFACTS / "dashboard-disruption.png"), full_page=True)
    context.close()
