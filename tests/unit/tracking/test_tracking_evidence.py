from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from lastmile.tracking.evidence import ChainHead, EvidenceRecord, append, verify_chain


def chain(n: int = 5, route: str = "R1") -> tuple[list[EvidenceRecord], ChainHead]:
    records: list[EvidenceRecord] = []
    head: ChainHead | None = None
    for i in range(n):
        record, head = append(
            head, route, {"stop_id": f"s{i}", "lat": 39.0 + i / 100, "photo_sha256": f"{i:064x}"}
        )
        records.append(record)
    assert head is not None
    return records, head


def test_an_untouched_chain_verifies() -> None:
    records, head = chain()
    assert verify_chain("R1", records, head) == []


def test_tampering_with_one_evidence_record_is_detected() -> None:
    records, head = chain()
    forged = replace(records[2], body={**records[2].body, "lat": 40.0})
    problems = verify_chain("R1", [*records[:2], forged, *records[3:]], head)
    assert [(p.seq, p.problem) for p in problems] == [(2, "content was altered (hash mismatch)")]


def test_deleting_a_record_in_the_middle_is_detected() -> None:
    records, head = chain()
    problems = verify_chain("R1", records[:2] + records[3:], head)
    assert any("missing" in p.problem for p in problems)


def test_deleting_the_newest_record_is_detected_by_the_head() -> None:
    records, head = chain()
    problems = verify_chain("R1", records[:-1], head)
    assert any("newest records deleted" in p.problem for p in problems)


def test_rehashing_a_forged_record_still_breaks_the_next_link() -> None:
    records, head = chain()
    body = {**records[1].body, "lat": 41.0}
    from lastmile.tracking.evidence import link_hash

    forged = replace(records[1], body=body, hash=link_hash(records[1].prev_hash, body))
    problems = verify_chain("R1", [records[0], forged, *records[2:]], head)
    assert any(p.seq == 2 and "link" in p.problem for p in problems)


def test_a_record_copied_from_another_route_is_detected() -> None:
    records, head = chain()
    other, _ = chain(route="R2")
    problems = verify_chain("R1", [*records[:4], replace(other[4], route_id="R1")], head)
    assert problems


@settings(max_examples=60, deadline=None)
@given(
    index=st.integers(0, 4),
    key=st.sampled_from(["stop_id", "lat", "photo_sha256"]),
    value=st.one_of(st.text(max_size=5), st.floats(allow_nan=False), st.integers()),
)
def test_any_change_to_any_field_of_any_record_is_detected(
    index: int, key: str, value: object
) -> None:
    records, head = chain()
    if records[index].body[key] == value:
        return
    records[index] = replace(records[index], body={**records[index].body, key: value})
    assert verify_chain("R1", records, head)
