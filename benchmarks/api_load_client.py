"""A lean keep-alive HTTP/1.1 client for the API load benchmark, and a stub server to
measure its own ceiling.

httpx spent ~5 ms of CPU per request on this machine, more than the server it was
measuring: on 2 shared cores the generator, not the API, set the numbers. This client
writes the request bytes itself and reads a ``Content-Length`` body over one persistent
connection per simulated client, which costs a small fraction of that. It speaks only
what the benchmark needs (loopback, JSON, no TLS, no redirects).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import time
from typing import Any


class HttpError(Exception):
    """The server answered something this client does not speak."""


class LoopbackClient:
    """One persistent HTTP/1.1 connection to ``host:port``; reconnects when closed.

    Parameters
    ----------
    host, port
        The server.
    headers
        Sent with every request (e.g. ``Authorization``).
    """

    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None) -> None:
        self.host = host
        self.port = port
        fixed = {"Host": f"{host}:{port}", **(headers or {})}
        self._fixed = "".join(f"{k}: {v}\r\n" for k, v in fixed.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request (``body`` as JSON) and return status, headers and body."""
        payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        content = "Content-Type: application/json\r\n" if body is not None else ""
        head = (
            f"{method} {path} HTTP/1.1\r\n{self._fixed}{extra}{content}"
            f"Content-Length: {len(payload)}\r\n\r\n"
        )
        if self._writer is None:
            await self._connect()
        assert self._reader is not None and self._writer is not None
        self._writer.write(head.encode() + payload)
        raw = await self._reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        answer: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                answer[name.strip().lower()] = value.strip()
        if "content-length" not in answer:
            raise HttpError(f"response without Content-Length: {answer}")
        data = await self._reader.readexactly(int(answer["content-length"]))
        if answer.get("connection", "").lower() == "close":
            await self.close()
        return status, answer, data

    async def _connect(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


class _StubProtocol(asyncio.Protocol):
    """Answers every request with a fixed small JSON body (keep-alive)."""

    RESPONSE = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b'Content-Length: 15\r\n\r\n{"subject":"x"}'
    )

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            length = 0
            marker = head.find(b"content-length:")
            if marker >= 0:
                length = int(head[marker + 15 :].split(b"\r\n", 1)[0])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(self.RESPONSE)


def _serve_stub(port: int, ready: Any) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_StubProtocol, "127.0.0.1", port)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def generator_ceiling(port: int, clients: int, seconds: float) -> float:
    """Requests/s this client reaches against a stub server that does no work.

    The stub runs in its own process, as the API does; what this measures is the
    ceiling of the load generator itself on this machine.
    """
    ready = multiprocessing.get_context("spawn").Event()
    stub = multiprocessing.get_context("spawn").Process(
        target=_serve_stub, args=(port, ready), daemon=True
    )
    stub.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("stub server did not start")

        async def run() -> float:
            done = 0
            stop_at = time.perf_counter() + seconds

            async def worker() -> None:
                nonlocal done
                client = LoopbackClient("127.0.0.1", port, {"Authorization": "Bearer x"})
                try:
                    while time.perf_counter() < stop_at:
                        await client.request("GET", "/api/v1/auth/me")
                        done += 1
                finally:
                    await client.close()

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(clients)))
            return done / (time.perf_counter() - started)

        return asyncio.run(run())
    finally:
        stub.terminate()
        stub.join(10)
