"""Everything `jobsim serve` and `create_app` can be told."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from simulator.server.resources import bundled_dir, optional_bundled_dir

ResponseValidation = Literal["off", "warn", "strict"]
# Runs each API keeps per session. 10,000 is far more than a test or a demo looks back at (runs/list pages 25 at a
# time), and small enough to be cheap: 10,000 Databricks runs, the heaviest, take about 45 MiB with the journal
# (benchmarks/bench_memory.py); `--max-runs` says otherwise.
DEFAULT_MAX_RUNS = 10_000


@dataclass(slots=True)
class Settings:
    """How the server is set up: what `jobsim serve` reads from its options and `create_app` takes as keywords."""

    host: str = "127.0.0.1"
    port: int = 8000
    scenarios: tuple[str, ...] = ()
    load_defaults: bool = True
    seed: int | None = None
    speed: float = 1.0
    clock_mode: Literal["real", "virtual"] = "real"
    max_body: int = 10 * 1024 * 1024
    response_validation: ResponseValidation = "strict"
    log_requests: bool = False
    journal: bool = True
    journal_size: int = 10_000
    max_sessions: int = 1000
    # Runs each API keeps per session; over it, the oldest ended runs go first, active ones never.
    max_runs: int = DEFAULT_MAX_RUNS
    watch: bool = False
    state_file: Path | None = None
    save_on_exit: bool = False
    # Replicas: sessions kept in Redis (`redis://host:port/db`), leased one replica at a time; None: in memory.
    store: str | None = None
    replica: str | None = None  # this replica's name (default: the host name, stable in a StatefulSet)
    lease_ms: int = 10_000
    save_interval: float = 1.0
    auth_tokens: frozenset[str] = frozenset()
    # Every distinct credential (bearer token, API key, Basic user and password) gets a session of its own.
    session_per_token: bool = False
    control_token: str | None = None
    apis: tuple[str, ...] = ()
    # Folders of declared APIs (an api.yaml beside an OpenAPI document) served besides the bundled ones.
    api_folders: tuple[Path, ...] = ()
    spec_overrides: dict[str, Path] = field(default_factory=dict)
    vendor_options: dict[str, dict[str, object]] = field(default_factory=dict)
    specs_dir: Path = field(default_factory=lambda: bundled_dir("specs"))
    scenarios_dir: Path = field(default_factory=lambda: bundled_dir("scenarios"))
    apis_dir: Path | None = field(default_factory=lambda: optional_bundled_dir("apis"))
