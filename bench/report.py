"""What the benchmark prints: the machine, each database, and the tables of figures."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
from pathlib import Path
from typing import Any

from bench.measure import Figure


def machine(pg_version: str | None) -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gb": _memory_gb(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "postgresql": pg_version,
        "load_average": load_average(),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def print_machine(info: dict[str, Any]) -> None:
    print("Machine")
    print(f"  cpus            {info['cpu_count']}  ({info['cpu_model'] or 'unknown model'})")
    print(f"  memory          {info['memory_gb']} GB")
    print(f"  platform        {info['platform']}")
    print(f"  python          {info['python']}")
    print(f"  sqlite          {info['sqlite']}")
    print(f"  postgresql      {info['postgresql'] or 'not used'}")
    print(f"  load average    {' '.join(map(str, info['load_average']))}  (1, 5, 15 min; {info['cpu_count']} cpus)")
    print()


def human(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1_000 and size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


def print_generation(blocks: list[dict[str, Any]]) -> None:
    print("Data generation (migrate + demo org tree/users + N synthetic cases)")
    header = f"  {'backend':<11}{'cases':>10}  {'generated':<17}{'insert s':>9}{'rows/s':>9}{'total s':>9}"
    print(header + f"{'db size':>10}  this run")
    for block in blocks:
        gen = block["generation"]
        print(
            f"  {block['backend']:<11}{block['size']:>10,}  {gen['generated_at'][:16].replace('T', ' '):<17}"
            f"{gen['insert_s']:>9.1f}{gen['rows_per_s']:>9,}{gen['total_s']:>9.1f}"
            f"{block['db_size_mb']:>7.0f} MB  {'cached' if block['cached'] else 'generated'}"
        )
    print()


def print_figures(blocks: list[dict[str, Any]]) -> None:
    """One table per backend: a row per measurement, median and p95 (ms) per size."""
    for backend in dict.fromkeys(b["backend"] for b in blocks):
        mine = [b for b in blocks if b["backend"] == backend]
        title_width = max(len(f["title"]) for b in mine for f in b["figures"]) + 2
        print(f"{backend}: milliseconds per call, median / p95 of {mine[0]['figures'][0]['runs']} runs after a warm-up")
        print("  " + " " * title_width + "".join(f"{human(b['size']) + ' cases':>24}" for b in mine))
        for index, first in enumerate(mine[0]["figures"]):
            cells = []
            for block in mine:
                fig = block["figures"][index]
                cells.append(f"{fig['median_ms']:>11,.1f} / {fig['p95_ms']:>9,.1f}")
            print(f"  {first['title']:<{title_width}}" + "".join(f"{c:>24}" for c in cells))
        print("  rows counted by each call (cases_total, list total, or count):")
        for index, first in enumerate(mine[0]["figures"]):
            counts = "".join(f"{block['figures'][index]['result']:>24,}" for block in mine)
            print(f"  {'  ' + first['key']:<{title_width}}{counts}")
        loads = "".join(f"{' '.join(f'{x:.1f}' for x in b['load_before']):>24}" for b in mine)
        print(f"  {'load average before':<{title_width}}{loads}")
        loads = "".join(f"{' '.join(f'{x:.1f}' for x in b['load_after']):>24}" for b in mine)
        print(f"  {'load average after':<{title_width}}{loads}")
        print()


def figure_line(fig: Figure) -> str:
    return f"    {fig.title:<52} median {fig.median_ms:>9,.1f} ms   p95 {fig.p95_ms:>9,.1f} ms   rows {fig.result:>9,}"


def write_json(path: Path, machine_info: dict[str, Any], blocks: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": machine_info, "runs": blocks}, ensure_ascii=False, indent=2))
