from tests.unit.api.conftest import bearer


def test_admin_lists_warehouses(client, keys):
    r = client.get("/api/v1/warehouses", headers=bearer(keys["admin"]))
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["warehouse_id"] == "W1"


def test_driver_gets_own_route(client, keys):
    r = client.get("/api/v1/drivers/me/route", headers=bearer(keys["driver"]))
    assert r.status_code == 200, r.text
    assert r.json()["route_id"] == "R1"
    assert client.get("/api/v1/routes/R2", headers=bearer(keys["driver"])).status_code == 403
