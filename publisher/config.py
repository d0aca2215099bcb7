"""Settings: one YAML file with a comment per key, overridable by environment variables.

Why both: the YAML documents every tunable in one place (as django-gisserver's ``conf.py`` does),
and the environment is how containers and CI override them without editing files.
"""

from __future__ import annotations

import os
import re
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
    serving_send_timeout_seconds: float = 60.0
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
    """Use psycopg 3 for ``postgresql://`` URLs; host lists as :func:`multi_host_url` says."""
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return multi_host_url(url) if url.startswith("postgresql") else url


_HOSTS_IN_NETLOC = re.compile(
    r"^(?P<scheme>[a-z0-9+]+://)(?P<auth>[^@/?]*@)?(?P<hosts>[^/?@]*,[^/?@]*)(?P<rest>[/?].*)?$",
    re.IGNORECASE)


def multi_host_url(url: str) -> str:
    """A libpq multi-host URL (``…@h1:5433,h2:5432/db``) in the form SQLAlchemy parses.

    libpq and psycopg accept a host list in the authority; SQLAlchemy's URL parser does not
    (it reads ``5433,h2:5432`` as a port), but it passes repeated ``?host=h:port`` query
    parameters to psycopg as one host list, which psycopg tries in order. A URL with one host
    or already in the query form is returned as given.
    """
    m = _HOSTS_IN_NETLOC.match(url)
    if m is None:
        return url
    path, _, query = (m["rest"] or "/").partition("?")
    hosts = "&".join(f"host={h.strip()}" for h in m["hosts"].split(",") if h.strip())
    return f"{m['scheme']}{m['auth'] or ''}{path}?{hosts}{'&' + query if query else ''}"

