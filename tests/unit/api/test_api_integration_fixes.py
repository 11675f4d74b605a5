"""Use cases joined up through the API: disruptions reach promises, stops with several shipments."""

from __future__ import annotations

from dataclasses import replace

from lastmile.domain import ProofMethod
from tests.unit.api.conftest import StraightLine, bearer

PROMISE = {
    "address": "9 Harbor Rd, Baltimore MD",
    "lat": 39.33,
    "lon": -76.6,
    "lines": [{"sku_id": "SKU1", "quantity": 1}],
}


def _disrupted(body: dict) -> dict[str, str]:
    return {r["option"]: r["message"] for r in body["refusals"] if r["code"] == "disrupted_area"}


def test_a_posted_closure_withdraws_timed_promises_for_an_address_inside_it(app, client, keys):
    app.state.ctx.travel_source = StraightLine()
    h = bearer(keys["dispatcher"])
    before = client.post("/api/v1/promise", headers=h, json=PROMISE)
    assert before.status_code == 200, before.text
    # The desk is now warm: the closure must not wait for its 30 s rebuild.
    assert not _disrupted(before.json())
    r = client.post(
        "/api/v1/disruptions",
        headers=h,
        json={"kind": "closure", "lat": 39.33, "lon": -76.6, "radius_m": 500, "note": "flood"},
    )
    assert r.status_code == 201, r.text
    after = client.post("/api/v1/promise", headers=h, json=PROMISE).json()
    offered = {o["option"] for o in after["options"]}
    assert not offered & {"same_day", "slot"}
    reasons = _disrupted(after)
    assert set(reasons) == {"same_day", "slot"}
    assert "closed by a disruption" in reasons["same_day"]


def test_each_shipment_of_a_shared_stop_is_delivered_with_its_own_proof(client, keys, uow):
    with uow:
        first = uow.shipments.get("S1")
        uow.shipments.add(
            replace(first, shipment_id="S3", order_ids=["O3"], proof_method=ProofMethod.SIGNATURE)
        )
        uow.routes.get("R1").stops[0].shipment_ids.append("S3")
        uow.commit()
    h = bearer(keys["driver"])
    url = "/api/v1/routes/R1/stops/R1-1/deliver"
    gps = {"lat": 39.29, "lon": -76.6}
    photo = {"gps": gps, "device_id": "phone", "photo_sha256": "ab" * 32, "shipment_ids": ["S1"]}
    r = client.post(url, headers=h, json=photo)
    assert r.status_code == 200, r.text
    assert client.post(url, headers=h, json=photo).status_code == 409
    stop = client.get("/api/v1/routes/R1", headers=h).json()["stops"][0]
    assert stop["status"] == "arrived"
    signed = {"gps": gps, "device_id": "phone", "signature": "J. Doe", "shipment_ids": ["S3"]}
    r = client.post(url, headers=h, json=signed)
    assert r.status_code == 200, r.text
    assert r.json()[0]["shipment_id"] == "S3"
    stop = client.get("/api/v1/routes/R1", headers=h).json()["stops"][0]
    assert stop["status"] == "delivered"
