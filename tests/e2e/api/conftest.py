"""A real lastmile server on loopback: SQLite file, sample network, staff and driver logins."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from lastmile.adapters.db.mapping import load_all_tables
from lastmile.api.app import create_app
from lastmile.bootstrap import make_engine
from lastmile.config import Settings
from lastmile.geo.network import load_network
from lastmile.services.auth import Role

IN_CI = os.environ.get("CI") == "true"
CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "correct horse battery"


VANS = ("VAN-1", "VAN-2")
WAREHOUSES = {"W-PORT": (39.2745, -76.5790), "W-NORTH": (39.3050, -76.5900)}
SKUS = ("MUG", "LAMP", "BOOKS", "KETTLE")
HOSTILE_ADDRESS = "<img src=x onerror=\"document.title='pwned'\"> nowhere lane"


def seed_day(live: LiveServer, *, orders: int = 10) -> str:
    """Warehouses, SKUs, stock and orders at real addresses of the shipped extract, all
    through the API; then source them and add vans for the delivery day. Returns the day."""
    for wid, (lat, lon) in WAREHOUSES.items():
        assert (
            live.api(
                "POST",
                "/api/v1/warehouses",
                json={
                    "warehouse_id": wid,
                    "name": wid.title(),
                    "lat": lat,
                    "lon": lon,
                    # Sourcing runs at the real clock: with the default 22:00 cut-off the
                    # suite failed whenever it ran late in the (UTC) day.
                    "same_day_cutoff": "23:59:59.999999",
                    "next_day_cutoff": "23:59:59.999999",
                },
            ).status_code
            == 201
        )
    for n, sku in enumerate(SKUS):
        assert (
            live.api(
                "POST",
                "/api/v1/skus",
                json={
                    "sku_id": sku,
                    "name": sku.title(),
                    "length_cm": 20 + n,
                    "width_cm": 15,
                    "height_cm": 10,
                    "weight_kg": 0.5 + n,
                    "unit_value": 10.0 + 5 * n,
                },
            ).status_code
            == 201
        )
        for wid in WAREHOUSES:
            r = live.api(
                "POST",
                f"/api/v1/stock/{wid}/{sku}/movements",
                json={"kind": "receipt", "quantity": 200, "reference": "opening"},
            )
            assert r.status_code == 201, r.text
    addresses = [a for a in load_network().extract.addresses if a.street and a.postcode]
    for n, a in enumerate(addresses[: orders * 7 : 7]):
        r = live.api(
            "POST",
            "/api/v1/orders",
            headers={"Idempotency-Key": f"seed-{n}"},
            json={
                "external_id": f"E2E-{n:03d}",
                "customer_id": f"C{n}",
                "address": f"{a.housenumber} {a.street}, {a.city or 'Baltimore'}, MD {a.postcode}",
                "lat": a.lat,
                "lon": a.lon,
                "lines": [{"sku_id": SKUS[n % len(SKUS)], "quantity": 1 + n % 2}],
            },
        )
        assert r.status_code == 201, r.text
    # An address nobody can place, with markup in it: it must wait on the exception board,
    # shown as text.
    r = live.api(
        "POST",
        "/api/v1/orders",
        headers={"Idempotency-Key": "seed-hostile"},
        json={
            "external_id": "E2E-HOSTILE",
            "customer_id": "C-X",
            "address": HOSTILE_ADDRESS,
            "lines": [{"sku_id": SKUS[0], "quantity": 1}],
        },
    )
    assert r.status_code == 201, r.text
    r = live.api("POST", "/api/v1/sourcing/runs", json={"proof_preference": "pin"})
    assert r.status_code == 201, r.text
    shipments = live.api("GET", "/api/v1/shipments?limit=500").json()["items"]
    assert shipments, r.text
    day = min(s["delivery_date"] for s in shipments)
    for van, depot in zip(VANS, WAREHOUSES, strict=True):
        r = live.api(
            "POST",
            "/api/v1/vehicles",
            json={
                "vehicle_id": van,
                "depot_id": depot,
                "capacity_weight_kg": 600,
                "capacity_volume_l": 4000,
                "capacity_parcels": 80,
                "shift_start": f"{day}T08:00:00-05:00",
                "shift_end": f"{day}T17:00:00-05:00",
            },
        )
        assert r.status_code == 201, r.text
    return day


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    admin_key: str
    database_url: str
    settings: Settings

    def api(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        sent = {"Authorization": f"Bearer {self.admin_key}", **(headers or {})}
        return httpx.request(method, self.url + path, headers=sent, timeout=60, **kw)


def start_server(database_url: str) -> tuple[LiveServer, threading.Thread, object]:
    """Migrate, load the sample network, create logins, and serve it on a free port."""
    import uvicorn

    load_all_tables()
    make_engine(database_url, migrate=True)
    settings = Settings(database_url=database_url)
    app = create_app(settings)
    auth = app.state.ctx.auth
    admin = auth.create_key(name="e2e admin", role=Role.ADMIN).secret
    auth.create_user(username="dispatch", password=PASSWORD, role=Role.DISPATCHER)
    for van in VANS:
        auth.create_user(
            username=f"driver-{van.lower()}", password=PASSWORD, role=Role.DRIVER, driver_id=van
        )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 30 s")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", admin, database_url, settings), thread, server


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = tmp_path_factory.mktemp("e2e") / "lastmile.db"
    live, thread, server = start_server(f"sqlite:///{db}")
    yield live
    server.should_exit = True  # type: ignore[attr-defined]
    thread.join(timeout=10)


def _chromium_available() -> bool:
    if Path(CHROMIUM).is_file():
        return True
    # The test set-up installs Debian's chromium where it can (no browser download).
    script = ROOT / "scripts" / "install_services.sh"
    if script.is_file() and shutil.which("bash"):
        subprocess.run(["bash", str(script)], check=False, capture_output=True, timeout=600)
    return Path(CHROMIUM).is_file()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not _chromium_available():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing in CI; scripts/install_services.sh installs it")
        pytest.skip(f"{CHROMIUM} is not installed and could not be installed (apt-get)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
