"""``lastmile serve --workers N``: every process takes a share of the connections."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from lastmile.api.processes import reuse_port_supported

pytestmark = pytest.mark.skipif(
    not reuse_port_supported(), reason="SO_REUSEPORT balancing is Linux-only"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(tmp_path: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lastmile",
            "serve",
            "--database-url",
            f"sqlite:///{tmp_path / 'serve.db'}",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_up(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("lastmile serve did not answer within 90 s")


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _established_to(port: int) -> set[str]:
    """Inodes of established TCP sockets whose local port is ``port``."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == "01":
            found.add(fields[9])
    return found


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_connections_opened_together_are_spread_over_the_workers(tmp_path: Path) -> None:
    port = _free_port()
    proc = _serve(tmp_path, port, workers=2)
    try:
        _wait_up(port, proc)
        # A burst of keep-alive connections, all opened at once, as a load client's are.
        clients = [socket.socket() for _ in range(24)]
        for c in clients:
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", port))
        time.sleep(0.5)
        request = b"GET /login HTTP/1.1\r\nHost: x\r\n\r\n"
        for c in clients:
            c.setblocking(True)
            c.sendall(request)
        for c in clients:
            assert c.recv(64).startswith(b"HTTP/1.1 200")
        ours = _established_to(port)
        shares = [len(_socket_inodes(pid) & ours) for pid in _children(proc.pid)]
        for c in clients:
            c.close()
        assert sum(shares) == 24
        # With one shared socket a burst mostly lands in one process; spread by the
        # kernel, each of the two gets some (binomial: fewer than 3 of 24 is < 1e-5).
        assert sorted(shares)[-2] >= 3, shares
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 0


def test_a_port_already_taken_ends_serve_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _serve(tmp_path, port, workers=2)
        out, err = proc.communicate(timeout=90)
    assert proc.returncode == 1
    assert b"cannot listen on 127.0.0.1" in out + err
