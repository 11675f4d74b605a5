"""Read CSV and JSON import files into records that remember their line numbers,
and write rejected rows back out with their reasons.

A file that cannot be parsed at all (broken JSON, unreadable bytes) raises
``ImportFileError`` with the line and column where parsing stopped; a CSV row with the
wrong number of fields becomes a ``RowError`` while the other rows stay readable.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ImportFileError", "Record", "Rejection", "RowError", "read_records", "write_rejects"]


@dataclass(frozen=True)
class RowError:
    """Why one row of an import file was rejected: file, line, column, reason."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: column {self.column!r}: {self.reason}"


@dataclass(frozen=True)
class Rejection:
    """A rejected row: where it was, what it held, and every reason."""

    line: int
    values: dict[str, Any]
    errors: tuple[RowError, ...]


class ImportFileError(Exception):
    """The file as a whole cannot be read; names the file, line and column."""

    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class Record:
    """One row (CSV) or object (JSON) with the line it starts on."""

    line: int
    values: dict[str, Any]
    problems: tuple[RowError, ...] = field(default=())


def read_records(path: Path, *, required: Sequence[str] = ()) -> list[Record]:
    """Read ``path`` (``.csv``, ``.json`` or ``.jsonl``) into records.

    Parameters
    ----------
    path
        The file; its suffix chooses the format.
    required
        Columns a CSV header must have; a missing one fails the whole file.

    Raises
    ------
    ImportFileError
        When the file is missing, not UTF-8, malformed JSON, or lacks a required column.
    """
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise ImportFileError(RowError(name, 0, "-", "file not found")) from error
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise ImportFileError(
            RowError(name, line, "-", f"not UTF-8 text: {error.reason}")
        ) from error
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(name, text, required)
    if suffix == ".json":
        return _read_json(name, text)
    if suffix in (".jsonl", ".ndjson"):
        return _read_json_lines(name, text)
    raise ImportFileError(
        RowError(name, 0, "-", f"unknown format {suffix!r}; use .csv, .json or .jsonl")
    )


def _read_csv(name: str, text: str, required: Sequence[str]) -> list[Record]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration as error:
        raise ImportFileError(
            RowError(name, 1, "-", "file is empty; expected a header row")
        ) from error
    except csv.Error as error:
        raise ImportFileError(RowError(name, 1, "-", f"malformed CSV header: {error}")) from error
    header = [h.strip() for h in header]
    for column in required:
        if column not in header:
            raise ImportFileError(
                RowError(name, 1, column, f"missing column; the header has {', '.join(header)}")
            )
    records: list[Record] = []
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            # The reader cannot resynchronise after a broken quote: the file is malformed.
            raise ImportFileError(
                RowError(name, start, "-", f"malformed CSV in the record starting here: {error}")
            ) from error
        line, start = start, reader.line_num + 1
        if not row or all(not cell.strip() for cell in row):
            continue
        problems: tuple[RowError, ...] = ()
        if len(row) != len(header):
            problems = (
                RowError(name, line, "-", f"expected {len(header)} fields, got {len(row)}"),
            )
        values = {h: cell.strip() for h, cell in zip(header, row, strict=False)}
        records.append(Record(line, values, problems))
    return records


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _malformed(name: str, error: json.JSONDecodeError) -> ImportFileError:
    return ImportFileError(
        RowError(name, error.lineno, f"char {error.colno}", f"malformed JSON: {error.msg}")
    )


def _object_record(name: str, line: int, value: Any, where: str) -> Record:
    if isinstance(value, dict):
        return Record(line, {str(k): v for k, v in value.items()})
    problem = RowError(name, line, "-", f"{where} is a {type(value).__name__}, not an object")
    return Record(line, {}, (problem,))


def _member_start(text: str, decoder: json.JSONDecoder, wanted: str) -> int:
    """Return the offset of the value of top-level member ``wanted`` (text is valid JSON)."""
    position = text.index("{") + 1
    while True:
        while text[position] in " \t\r\n,":
            position += 1
        key, position = decoder.raw_decode(text, position)
        while text[position] in " \t\r\n:":
            position += 1
        if key == wanted:
            return position
        _, position = decoder.raw_decode(text, position)


def _read_json(name: str, text: str) -> list[Record]:
    # Decode element by element so every record keeps the line it starts on.
    decoder = json.JSONDecoder()
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise _malformed(name, error) from error
    if isinstance(document, dict):
        keys = [k for k, v in document.items() if isinstance(v, list)]
        if len(keys) != 1:
            raise ImportFileError(
                RowError(name, 1, "-", "expected a list of objects, or one object holding one")
            )
        start = _member_start(text, decoder, keys[0])
    elif isinstance(document, list):
        start = text.index("[")
    else:
        raise ImportFileError(RowError(name, 1, "-", "expected a list of objects"))
    records: list[Record] = []
    position = start + 1
    index = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            break
        value, end = decoder.raw_decode(text, position)
        records.append(_object_record(name, _line_of(text, position), value, f"item {index}"))
        position, index = end, index + 1
    return records


def _read_json_lines(name: str, text: str) -> list[Record]:
    records: list[Record] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ImportFileError(
                RowError(name, number, f"char {error.colno}", f"malformed JSON: {error.msg}")
            ) from error
        records.append(_object_record(name, number, value, "the line"))
    return records


def write_rejects(path: Path, rejected: Sequence[Rejection]) -> None:
    """Write rejected rows and their reasons to ``path`` (JSON if it ends in .json, else CSV)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        document = [
            {
                "line": r.line,
                "errors": [{"column": e.column, "reason": e.reason} for e in r.errors],
                "row": r.values,
            }
            for r in rejected
        ]
        path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
        return
    columns: list[str] = []
    for r in rejected:
        columns += [c for c in r.values if c not in columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "column", "reason", *columns])
        for r in rejected:
            values = [r.values.get(c, "") for c in columns]
            cells = [v if isinstance(v, str) else json.dumps(v, default=str) for v in values]
            writer.writerow(
                [
                    r.line,
                    "; ".join(e.column for e in r.errors),
                    "; ".join(e.reason for e in r.errors),
                    *cells,
                ]
            )
