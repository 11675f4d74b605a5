"""Fixtures shared by every test layer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LASTMILE_SHARED", ROOT.parent / "shared"))
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared data folder beside the project (benchmarks and real data)."""
    if not SHARED.is_dir():
        if IN_CI:
            pytest.fail(f"shared data folder {SHARED} is missing in CI")
        pytest.skip(f"shared data folder {SHARED} is not present")
    return SHARED
