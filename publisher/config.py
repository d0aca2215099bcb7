"""Settings: one YAML file with a comment per key, overridable by environment variables.

Why both: the YAML documents every tunable in one place (as django-gisserver's ``conf.py`` does),
and the environment is how containers and CI override them without editing files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

#: The repository's settings file; ``VLOK_CONFIG`` points elsewhere.
DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "settings.yaml"


@dataclass(frozen=True)
class Settings:
    """Effective settings after YAML and environment overrides."""

    store_url: str = "sqlite:///data/vlok.sqlite"
    data_dir: str = "data"
    timezone: str = "Europe/Brussels"
    demo_scale: str = "small"
    demo_seed: int = 2026
    log_format: str = "json"
    publication_dir: str = "data/publication"
    files_dir: str = "data/publication"
    retention_days: int = 30
    basemap_url: str = ""
    basemap_attribution: str = ""
    serving_pool_size: int = 0
    serving_pool_overflow: int = 0
    serving_pool_timeout: float = 10.0
    serving_statement_timeout_ms: int = 120_000
    serving_idle_in_transaction_timeout_ms: int = 60_000
    serving_max_streams: int = 100
    serving_max_replica_lag_seconds: float = 30.0


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read the YAML file, then apply ``VLOK_*`` environment variables on top."""
    config_path = Path(path or os.environ.get("VLOK_CONFIG") or DEFAULT_CONFIG)
    values: dict[str, object] = {}
    if config_path.is_file():
        values.update(yaml.safe_load(config_path.read_text(encoding="utf-8")) or {})
    known = {f.name: f for f in fields(Settings)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"unknown setting(s) in {config_path}: {', '.join(unknown)}")
    for name, field in known.items():
        env = os.environ.get(f"VLOK_{name.upper()}")
        if env is not None:
            values[name] = env
        if name in values and field.type in (int, "int"):
            values[name] = int(values[name])  # type: ignore[arg-type]
        elif name in values and field.type in (float, "float"):
            values[name] = float(values[name])  # type: ignore[arg-type]
    return Settings(**values)  # type: ignore[arg-type]


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs; everything else as given."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url
