"""One backend at one size: make sure its database is there (generate or reuse), then time every measurement."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url

from bench import generate, measure, report, targets
from bench.targets import Target
from db import migrate
from db.session import dispose_engines, session_scope
from portal import clock


def pg_version(admin_url: str) -> str:
    return targets.server_version(admin_url)


def _reusable(target: Target) -> dict[str, Any] | None:
    """The generation record of a complete cached database, or None when it must be (re)built."""
    info = targets.read_marker(target)
    if info is None or info.get("size") != target.size or not targets.exists(target):
        return None
    try:
        count = targets.case_count(target)
    except Exception:  # a half-built or foreign database: rebuild it
        return None
    finally:
        dispose_engines()
    return info if count == target.size else None


def bench_target(backend: str, size: int, admin_url: str | None, *, repeat: int, fresh: bool) -> dict[str, Any]:
    target = targets.make_target(backend, size, admin_url)
    where = target.sqlite_path if backend == "sqlite" else make_url(target.url).render_as_string(hide_password=True)
    print(f"== {backend}, {size:,} cases: {where}")
    info = None if fresh else _reusable(target)
    cached = info is not None
    if info is None:
        print(f"  generating {size:,} cases ...")
        info = generate.generate(target, progress=print)
    print(f"  {generate.describe(info)}{' (cached)' if cached else ''}")
    if info["generated_on"] != clock.today().isoformat():
        print(f"  note: data generated on {info['generated_on']}; 12-month windows and overdue counts drift (--fresh)")
    targets.use(target)
    # Measure the schema as it is now (cached data may predate a migration), with fresh planner statistics,
    # as `portal db upgrade` leaves an installation.
    migrate.upgrade(target.url)
    size_mb = targets.size_bytes(target) / 1024 / 1024
    print(f"  database size {size_mb:,.0f} MB; indexes on case_record:")
    index_lines = targets.indexes(target)
    for line in index_lines:
        print(f"    {line}")
    with session_scope() as session:
        scenarios = measure.scenarios(session)
    load_before = report.load_average()
    print(f"  load average {' '.join(map(str, load_before))}; timing {len(scenarios)} calls x {repeat} runs")
    figures = []
    for scenario in scenarios:
        figure = measure.run(scenario, repeat)
        figures.append(figure)
        print(report.figure_line(figure), flush=True)
    load_after = report.load_average()
    print(f"  load average {' '.join(map(str, load_after))}\n")
    dispose_engines()
    return {
        "backend": backend,
        "size": size,
        "cached": cached,
        "generation": info,
        "db_size_mb": round(size_mb, 1),
        "indexes": index_lines,
        "load_before": load_before,
        "load_after": load_after,
        "figures": [f.as_dict() for f in figures],
    }


def prepared(backend: str, size: int, admin_url: str | None) -> Target:
    """The cached database of (backend, size), generated if missing, in use and at the current schema."""
    from db import migrate

    target = targets.make_target(backend, size, admin_url)
    if _reusable(target) is None:
        print(f"== {backend} {size:,}: generating ...")
        generate.generate(target, progress=print)
    targets.use(target)
    migrate.upgrade(target.url)
    return target
