"""Serve the app from several processes, each accepting on its own socket (SO_REUSEPORT).

uvicorn's ``--workers`` share one listening socket, and a worker woken by a burst of new
connections accepts all it can: keep-alive clients that connect together mostly land in
one process while the other cores idle (measured under the API load benchmark: 20 client
connections, one worker at 0.71 cores and the other at 0.20, PostgreSQL intake 244
orders/s). Here every process listens on a socket of its own in one ``SO_REUSEPORT``
group, and the kernel spreads connections over them by address.

The parent binds the port first without listening: it holds the address for the group
(a taken port fails at once, not in every worker) and takes no connections itself.
A worker that dies is started again; one that dies at start ends the server.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess
from types import FrameType

APP_FACTORY = "lastmile.api.app:create_app"
# A worker that exits within this many seconds of its start failed to start.
_START_GRACE_S = 5.0
_BACKLOG = 2048


def reuse_port_supported() -> bool:
    """Whether the kernel balances connections over sockets sharing a port (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int, log_level: str, access_log: bool) -> None:
    import uvicorn

    from lastmile.api.heap import freeze_startup_heap

    sock = _socket(host, port)
    sock.listen(_BACKLOG)
    config = uvicorn.Config(APP_FACTORY, factory=True, log_level=log_level, access_log=access_log)
    config.load()  # builds the app now, so that it is frozen with the rest
    freeze_startup_heap()
    uvicorn.Server(config).run(sockets=[sock])


class ProcessServer:
    """``workers`` server processes on ``host:port``; ``run`` blocks until stopped.

    Raises
    ------
    OSError
        The address is taken (from the constructor).
    ValueError
        Port 0: every process would get a port of its own.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        workers: int,
        log_level: str = "info",
        access_log: bool = True,
    ) -> None:
        if port == 0:
            raise ValueError("port 0 not understood: the processes must share one port")
        if workers < 1:
            raise ValueError(f"workers = {workers} < 1 not understood.")
        self._held = _socket(host, port)  # bound, never listening
        self._args = (host, port, log_level, access_log)
        self._workers = workers
        self._context = multiprocessing.get_context("spawn")
        self._stopping = False

    def _start(self) -> tuple[BaseProcess, float]:
        process = self._context.Process(target=_worker, args=self._args, daemon=False)
        process.start()
        return process, time.monotonic()

    def _stop(self, _signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def run(self) -> int:
        """Serve until SIGINT or SIGTERM; return the exit status (1: a worker failed)."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        running = [self._start() for _ in range(self._workers)]
        status = 0
        try:
            while not self._stopping:
                time.sleep(0.2)
                for i, (process, started) in enumerate(running):
                    if process.is_alive() or self._stopping:
                        continue
                    if time.monotonic() - started < _START_GRACE_S:
                        print(
                            f"lastmile: worker {process.pid} exited at start "
                            f"(status {process.exitcode})",
                            file=sys.stderr,
                        )
                        self._stopping, status = True, 1
                        break
                    running[i] = self._start()
        finally:
            for process, _ in running:
                if process.is_alive():
                    process.terminate()  # SIGTERM: uvicorn shuts down gracefully
            for process, _ in running:
                process.join(timeout=30)
                if process.is_alive():
                    process.kill()
                    process.join()
            self._held.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return status
