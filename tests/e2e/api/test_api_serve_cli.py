"""`lastmile serve` starts from nothing: migrates, prints the first admin key, serves."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.e2e.api.conftest import free_port


def test_serve_migrates_prints_an_admin_key_once_and_answers(tmp_path: Path) -> None:
    port = free_port()
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    lastmile = str(Path(sys.executable).parent / "lastmile")
    argv = [lastmile, "serve", "--port", str(port), "--database-url", url, "--log-level", "warning"]
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True
    )
    try:
        key = ""
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        while time.monotonic() < deadline and not key:
            line = proc.stdout.readline()
            if found := re.search(r"lm_[A-Za-z0-9_\-]{20,}", line):
                key = found.group(0)
        assert key, "no admin key printed"
        while time.monotonic() < deadline:
            try:
                r = httpx.get(
                    f"http://127.0.0.1:{port}/api/v1/auth/me",
                    headers={"Authorization": f"Bearer {key}"},
                    timeout=5,
                )
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["role"] == "admin"
        assert httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
    # A second start finds the key and does not print a new one.
    again = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "from lastmile.cli.serve import _prepare; "
                f"s, a = _prepare({url!r}); print(a.ensure_admin_key())"
            ),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert again.stdout.strip() == "None"
