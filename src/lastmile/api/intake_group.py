"""Order intake as a group commit: one writer per process writes what queued up meanwhile.

With one transaction per order, intake was bound by transactions rather than work: each
took the SQLite writer lock (or waited for a PostgreSQL commit). Here the requests that
arrive while a group is being written wait for the next group, which is written in one
transaction (``services.orders.create_orders``: a look-up and an INSERT per table for the
whole group), so the lock, BEGIN and COMMIT are paid once per group. With no load a group
is a single order, written at once: nothing waits for a group to fill.

The app writes groups on the event loop's thread (``adapters.db.loop_writes``); a writer
without a database (tests on fakes) runs in a worker thread (``in_worker_thread``).

Every request still gets the answer it would get alone, and only after its transaction
committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import anyio.to_thread

from lastmile.domain import DomainError
from lastmile.services.orders import OrderReceipt, OrderRequest

Outcomes = list[OrderReceipt | DomainError]
WriteGroup = Callable[[Sequence[OrderRequest]], Awaitable[Outcomes]]
_Waiting = tuple[OrderRequest, "asyncio.Future[OrderReceipt]"]


class IntakeGroups:
    """Queue order requests and write them in groups, one group at a time.

    Parameters
    ----------
    write
        Writes a group in one transaction and answers each request (receipt or error).
        Awaited by one task at a time.
    max_group
        The most requests written in one transaction.
    """

    def __init__(self, write: WriteGroup, *, max_group: int = 64) -> None:
        if max_group < 1:
            raise ValueError(f"max_group = {max_group} < 1 not understood.")
        self._write = write
        self.max_group = max_group
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, request: OrderRequest) -> OrderReceipt:
        """Queue ``request`` and return its receipt once its group has committed.

        Raises
        ------
        DomainError
            The error ``place_order`` would raise for this request alone.
        """
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # A new event loop (a test client starts one per client): what belonged to the
            # old one can never be answered there, so start afresh.
            self._loop, self._queue, self._writer = loop, [], None
        future: asyncio.Future[OrderReceipt] = loop.create_future()
        self._queue.append((request, future))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            group = self._queue[: self.max_group]
            del self._queue[: self.max_group]
            try:
                outcomes = await self._write([request for request, _ in group])
            except BaseException as error:
                # The group's transaction failed as a whole (database down, locked too
                # long): every request in it gets that error, as it would have alone.
                for _, future in group:
                    if future.done():
                        continue
                    if isinstance(error, Exception):
                        future.set_exception(error)
                    else:
                        future.cancel()
                if not isinstance(error, Exception):
                    raise
                continue
            for (_, future), outcome in zip(group, outcomes, strict=True):
                if future.done():  # the client went away; its order stands all the same
                    continue
                if isinstance(outcome, DomainError):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)


def in_worker_thread(write: Callable[[Sequence[OrderRequest]], Outcomes]) -> WriteGroup:
    """Return ``write`` as a group writer that runs in a worker thread."""

    async def threaded(requests: Sequence[OrderRequest]) -> Outcomes:
        return await anyio.to_thread.run_sync(write, requests)

    return threaded
