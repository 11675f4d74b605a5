"""What every benchmark shares: where data lives, machine facts, and the JSON result format."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LASTMILE_SHARED", ROOT.parent / "shared"))
RESULTS = ROOT / "benchmarks" / "results"

console = Console()


@dataclass(frozen=True)
class Target:
    """One target an issue names: the measured value against the goal."""

    value: float
    target: float
    unit: str
    higher_is_better: bool = False

    @property
    def met(self) -> bool:
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "target": self.target, "unit": self.unit, "met": self.met}


def machine() -> dict[str, Any]:
    """Describe where the run happened, so a figure can be read in context."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_1min_at_end": load,
        "commit": commit,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def write_result(
    name: str,
    summary: Mapping[str, Target],
    details: Any,
    *,
    quick: bool,
    command: str,
) -> Path:
    """Write ``benchmarks/results/NAME.json`` (``NAME.quick.json`` in quick mode)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / (f"{name}.quick.json" if quick else f"{name}.json")
    payload = {
        "benchmark": name,
        "command": command,
        "quick": quick,
        "machine": machine(),
        "summary": {k: v.as_json() for k, v in summary.items()},
        "details": details,
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    console.print(f"[green]wrote[/green] {path.relative_to(ROOT)}")
    return path


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a Rich table of rows."""
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*(f"{c:.4g}" if isinstance(c, float) else str(c) for c in row))
    console.print(table)


def print_summary(summary: Mapping[str, Target]) -> None:
    """Print each target with whether it was met."""
    print_table(
        "targets",
        ["target", "value", "goal", "unit", "met"],
        [
            (
                k,
                t.value,
                (">= " if t.higher_is_better else "<= ") + f"{t.target:g}",
                t.unit,
                "yes" if t.met else "NO",
            )
            for k, t in summary.items()
        ],
    )
