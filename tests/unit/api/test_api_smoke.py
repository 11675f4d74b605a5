from tests.unit.api.conftest import StraightLine, bearer


def test_admin_lists_warehouses(client, keys):
    r = client.get("/api/v1/warehouses", headers=bearer(keys["admin"]))
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["warehouse_id"] == "W1"


def test_driver_gets_own_route(client, keys):
    r = client.get("/api/v1/drivers/me/route", headers=bearer(keys["driver"]))
    assert r.status_code == 200, r.text
    assert r.json()["route_id"] == "R1"
    assert client.get("/api/v1/routes/R2", headers=bearer(keys["driver"])).status_code == 403


def test_unplaced_order_waits_until_a_dispatcher_confirms_its_address(client, keys):
    h = bearer(keys["admin"])
    body = {
        "external_id": "E9",
        "customer_id": "C9",
        "address": "behind the old mill",
        "lines": [{"sku_id": "SKU1", "quantity": 1}],
    }
    order = client.post("/api/v1/orders", json=body, headers=h).json()
    assert (order["status"], order["geocode_method"]) == ("created", "none")
    board = client.get("/api/v1/orders/board", headers=h).json()
    assert any(x["order_id"] == order["order_id"] for x in board["exceptions"])
    r = client.post(
        f"/api/v1/orders/{order['order_id']}/address",
        headers=h,
        json={"lat": 39.29, "lon": -76.6, "address": "12 Mill Rd, Baltimore"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["address"]) == ("validated", "12 Mill Rd, Baltimore")
    again = client.post(
        f"/api/v1/orders/{order['order_id']}/address", headers=h, json={"lat": 39.29, "lon": -76.6}
    )
    assert again.status_code == 409


def test_bad_input_is_a_422_naming_the_field(client, keys):
    h = bearer(keys["admin"])
    r = client.post(
        "/api/v1/orders",
        headers=h,
        json={
            "external_id": "E1",
            "customer_id": "C1",
            "address": "1 Main St",
            "lines": [{"sku_id": "NOPE", "quantity": 1}],
        },
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "lines[0].sku_id"
    r = client.post(
        "/api/v1/orders",
        headers=h,
        json={
            "external_id": "E1",
            "customer_id": "C1",
            "address": "1 Main St",
            "option": "slot",
            "lines": [{"sku_id": "SKU1", "quantity": 1}],
        },
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "window"


def test_disruption_circle_becomes_a_polygon_and_bad_geometry_is_a_422(app, client, keys):
    app.state.ctx.travel_source = StraightLine()
    h = bearer(keys["dispatcher"])
    r = client.post(
        "/api/v1/disruptions",
        headers=h,
        json={"kind": "closure", "lat": 39.29, "lon": -76.6, "radius_m": 300, "note": "water main"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "closure"
    bad = client.post(
        "/api/v1/disruptions",
        headers=h,
        json={
            "kind": "slowdown",
            "factor": 2,
            "polygon": {"type": "Polygon", "coordinates": [[[0, 0]]]},
        },
    )
    assert bad.status_code == 422
    missing = client.post("/api/v1/disruptions", headers=h, json={"kind": "weather"})
    assert missing.status_code == 422


def test_driver_records_a_failed_attempt_with_a_reason_and_gps(client, keys):
    body = {"reason": "not_home", "device_id": "phone-1", "gps": {"lat": 39.29, "lon": -76.6}}
    r = client.post("/api/v1/routes/R1/stops/R1-1/fail", json=body, headers=bearer(keys["driver"]))
    assert r.status_code == 200, r.text
    assert r.json()[0]["shipment_id"] == "S1"
    route = client.get("/api/v1/drivers/me/route", headers=bearer(keys["driver"])).json()
    assert route["stops"][0]["status"] == "failed"
    again = client.post(
        "/api/v1/routes/R1/stops/R1-1/fail", json=body, headers=bearer(keys["driver"])
    )
    assert again.status_code == 409


def test_delivery_without_gps_is_refused_with_the_field_named(client, keys):
    body = {"method": "photo", "device_id": "phone-1", "gps": None, "photo_sha256": "a" * 64}
    r = client.post(
        "/api/v1/routes/R1/stops/R1-1/deliver", json=body, headers=bearer(keys["driver"])
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "gps"


def test_a_tracking_token_shows_only_its_own_shipment(app, client, uow):
    tracking = app.state.ctx.tracking(uow)
    tracking.register_token("tok1" * 8, "S1")
    tracking.register_token("tok2" * 8, "S2")
    mine = client.get("/api/v1/track/" + "tok1" * 8)
    assert mine.status_code == 200, mine.text
    assert mine.json()["stops_before"] == 0
    page = client.get("/track/" + "tok1" * 8)
    assert page.status_code == 200
    assert "S2" not in page.text and "D2" not in page.text and "200 Main" not in page.text
    for probe in ("tok3" * 8, "S1", "../S2", "x"):
        assert client.get("/api/v1/track/" + probe).status_code == 404
