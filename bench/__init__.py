"""Benchmark of the services the pages call, at 10k, 100k and 1M cases, on SQLite and PostgreSQL.

Run `python -m bench --help`; see bench/README.md for what each figure measures.
"""

from __future__ import annotations

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / ".data"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
BACKENDS = ("sqlite", "postgresql")
