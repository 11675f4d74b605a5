"""Import files are read with the line each record starts on."""

from __future__ import annotations

from pathlib import Path

import pytest

from lastmile.services.import_readers import ImportFileError, read_records


def test_csv_records_keep_their_line_even_after_a_quoted_multiline_field(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text('\ufeffid,note\n1,"two\nlines"\n\n2,plain\n3,too,many\n', encoding="utf-8")

    records = read_records(path)

    assert [(r.line, r.values["id"]) for r in records] == [(2, "1"), (5, "2"), (6, "3")]
    assert records[0].values["note"] == "two\nlines"
    assert [str(p) for p in records[2].problems] == [
        f"{path}:6: column '-': expected 2 fields, got 3"
    ]


def test_json_records_keep_the_line_they_start_on(tmp_path: Path) -> None:
    path = tmp_path / "skus.json"
    path.write_text(
        '{"comment": "[not the list]", "skus": [\n  {"sku_id": "A"},\n\n'
        '  {"sku_id": "B",\n   "name": "b"}, 7\n]}'
    )

    records = read_records(path)

    assert [(r.line, r.values.get("sku_id")) for r in records] == [(2, "A"), (4, "B"), (5, None)]
    assert "is a int, not an object" in str(records[2].problems[0])


def test_json_lines_are_numbered_by_physical_line(tmp_path: Path) -> None:
    path = tmp_path / "stock.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2}\n')
    assert [r.line for r in read_records(path)] == [1, 3]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.json", '[\n {"a": 1},\n {"a": }\n]', "bad.json:3: column 'char 8': malformed JSON"),
        ("bad.csv", 'sku_id,b\n1,"open\n', "bad.csv:2: column '-': malformed CSV"),
        ("empty.csv", "", "empty.csv:1: column '-': file is empty"),
        ("nohead.csv", "x,y\n1,2\n", "nohead.csv:1: column 'sku_id': missing column"),
        ("data.xml", "<a/>", "unknown format '.xml'"),
    ],
)
def test_unreadable_files_fail_whole_with_line_and_column(
    tmp_path: Path, name: str, content: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ImportFileError) as error:
        read_records(path, required=("sku_id",))
    assert expected in str(error.value)
