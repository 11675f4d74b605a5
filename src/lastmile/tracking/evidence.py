"""Proof-of-delivery evidence, hash-chained per route so any edit or deletion shows.

Record ``n`` stores ``hash_n = SHA-256(hash_{n-1} || canonical JSON of body_n)``, the
first one chained to a genesis hash derived from the route id. The chain's head (count
and last hash) is kept apart and published in an event, so deleting the newest record,
or rewriting the whole chain, does not match what others already saw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """One stored link of a route's chain."""

    route_id: str
    seq: int
    body: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainHead:
    """How long a route's chain is and its last hash."""

    route_id: str
    count: int
    hash: str


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """One thing wrong with a chain: where, and what."""

    route_id: str
    seq: int
    problem: str


def canonical(body: Mapping[str, Any]) -> bytes:
    """Return the byte form that is hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def genesis(route_id: str) -> str:
    """Return the hash the first record of a route chains to."""
    return hashlib.sha256(f"lastmile-evidence:{route_id}".encode()).hexdigest()


def link_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    """Return the hash of a record with this body after ``prev_hash``."""
    return hashlib.sha256(prev_hash.encode() + canonical(body)).hexdigest()


def append(
    head: ChainHead | None, route_id: str, body: Mapping[str, Any]
) -> tuple[EvidenceRecord, ChainHead]:
    """Return the next record of the route's chain and the new head."""
    seq = head.count if head else 0
    prev = head.hash if head else genesis(route_id)
    full = {**body, "route_id": route_id, "seq": seq}
    record = EvidenceRecord(route_id, seq, full, prev, link_hash(prev, full))
    return record, ChainHead(route_id, seq + 1, record.hash)


def verify_chain(
    route_id: str, records: Sequence[EvidenceRecord], head: ChainHead | None
) -> list[ChainProblem]:
    """Return every problem found in one route's chain; empty when it is intact.

    Parameters
    ----------
    route_id
        The route whose chain is checked.
    records
        The stored records of that route, in any order.
    head
        The stored head; None when the route has no chain.
    """
    problems: list[ChainProblem] = []
    ordered = sorted(records, key=lambda r: r.seq)
    prev = genesis(route_id)
    expected = 0
    for record in ordered:
        if record.seq != expected:
            problems.append(
                ChainProblem(
                    route_id, expected, f"records {expected}..{record.seq - 1} are missing"
                )
            )
        if record.prev_hash != prev:
            problems.append(
                ChainProblem(route_id, record.seq, "does not link to the record before it")
            )
        if link_hash(record.prev_hash, record.body) != record.hash:
            problems.append(
                ChainProblem(route_id, record.seq, "content was altered (hash mismatch)")
            )
        if record.body.get("seq") != record.seq or record.body.get("route_id") != route_id:
            problems.append(
                ChainProblem(route_id, record.seq, "was moved from another place or route")
            )
        prev = record.hash
        expected = record.seq + 1
    count = len(ordered) and ordered[-1].seq + 1
    if head is None:
        if ordered:
            problems.append(ChainProblem(route_id, count, "the chain head is missing"))
    elif head.count != count or head.hash != (ordered[-1].hash if ordered else ""):
        problems.append(
            ChainProblem(
                route_id,
                count,
                f"the head says {head.count} records, found {count}: newest records deleted "
                "or head altered",
            )
        )
    return problems
