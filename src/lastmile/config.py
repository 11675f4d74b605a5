"""Settings, read from the environment (``LASTMILE_*``) through ``get_settings()``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``LASTMILE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="LASTMILE_", extra="ignore")

    database_url: str = "sqlite:///lastmile.db"
    osm_path: Path | None = None
    data_dir: Path = Path("var")
    geofence_m: float = 150.0
    geocode_review_threshold: float = 0.6
    promise_hold_s: int = 300
    max_body_bytes: int = 1_000_000
    ray_address: str | None = None
    solver: str = "pyvrp"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()
