"""Report benchmark: compiling the weekly report of the whole sub-district at each size, as the Monday job does.

Per (backend, size), on the cached benchmark database brought to the current schema:

- `content`: gathering the report (`compile_content`: the KPI overview of the week and the one before, the
  overdue, escalated and upcoming lists, the activity table);
- `full`: `compile_report` end to end: the content, then the HTML and text bodies, the workbook and four chart
  PNGs (vl-convert) written to the report's folder, and the row marked done.

The target is under 10 s at 1M cases.
"""

from __future__ import annotations

import time
from statistics import median
from typing import Any

from bench.run import prepared
from db.session import dispose_engines, session_scope
from portal import clock
from portal.reports.compile import compile_content
from portal.reports.period import last_week
from portal.services import reports
from portal.services.actor import Actor
from portal.services.orgs import load_tree


def _timed_full(root: int, repeat: int) -> list[float]:
    period = last_week(clock.today())
    samples = []
    for _ in range(repeat):
        with session_scope(write=True) as session:
            report_id = reports.request_report(
                session=session, actor=Actor.system(root), scope_id=root, period=period, kind="weekly"
            ).id
        started = time.perf_counter()
        reports.compile_report(report_id or 0)
        samples.append(time.perf_counter() - started)
    return samples


def _timed_content(root: int, repeat: int) -> list[float]:
    period = last_week(clock.today())
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        with session_scope() as session:
            compile_content(session=session, scope_id=root, period=period, weekly=True)
        samples.append(time.perf_counter() - started)
    return samples


def run(backends: list[str], sizes: list[int], admin_url: str | None, repeat: int) -> list[dict[str, Any]]:
    blocks = []
    for backend in backends:
        for size in sizes:
            prepared(backend, size, admin_url)
            with session_scope() as session:
                root = load_tree(session=session).roots[0]
            _timed_content(root, 1)  # warm-up: imports, pool, compiled statements, the JavaScript engine
            content = _timed_content(root, repeat)
            full = _timed_full(root, max(1, repeat // 2))
            block = {
                "backend": backend,
                "size": size,
                "content_s": round(median(content), 2),
                "full_s": round(median(full), 2),
                "runs": {"content": len(content), "full": len(full)},
            }
            blocks.append(block)
            print(
                f"== report, {backend}, {size:,} cases: content {block['content_s']:.2f} s, "
                f"compiled with files {block['full_s']:.2f} s (median)",
                flush=True,
            )
            dispose_engines()
    return blocks
