"""Use cases joined up through the API: disruptions reach promises, stops with several shipments."""

from __future__ import annotations

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
