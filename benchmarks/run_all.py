"""Run every benchmark one after another: ``python -m benchmarks.run_all [--quick]``.

Each runs in its own process, so one benchmark's warm caches or worker pools never flatter
the next one's figures; a failing benchmark is reported and the others still run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from benchmarks.common import ROOT, console, print_table

NAMES = (
    "storage",
    "geo",
    "routing",
    "amazon_routes",
    "routing_scale",
    "fulfillment",
    "forecast",
    "promise",
    "api_load",
    "list_pages",
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="each benchmark's seconds-long mode")
    parser.add_argument("--only", default="", help="comma-separated subset of " + ",".join(NAMES))
    args = parser.parse_args(argv)
    names = [n for n in NAMES if not args.only or n in args.only.split(",")]
    rows = []
    for name in names:
        console.rule(f"benchmarks.{name}")
        began = time.perf_counter()
        cmd = [sys.executable, "-m", f"benchmarks.{name}"] + (["--quick"] if args.quick else [])
        rc = subprocess.run(cmd, cwd=ROOT, check=False).returncode
        rows.append((name, "ok" if rc == 0 else f"failed ({rc})", time.perf_counter() - began))
    print_table("benchmarks", ["benchmark", "status", "wall s"], rows)
    if any(status != "ok" for _, status, _ in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
