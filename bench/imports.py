"""Import benchmark: a generated platform file of N cases (default 100k; GB18030 CSV and XLSX) imported into a
fresh database per backend.

Each database is migrated and seeded with the demo org tree, users and categories; its demo cases stay (3,201,
so the duplicate check looks at a non-empty table). The file is imported as the system actor in one
transaction, exactly as `portal import cases FILE` does; then the same file again (every row a duplicate).
"""

from __future__ import annotations

import csv
import io
import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bench import DATA_DIR
from db import migrate
from db.models import Category, OrgNode
from db.session import dispose_engines, session_scope
from portal import clock
from portal.config import reset_settings
from portal.services import demo
from portal.services import demo_data as data
from portal.services.actor import Actor
from portal.services.case_export import export_file
from portal.services.case_formats import IMPORT_COLUMNS
from portal.services.case_import import import_cases
from portal.services.cases import CaseFilters
from portal.services.orgs import load_tree

DB_NAME = "portal_bench_import"
SOURCES = ["小兰平台"] * 11 + ["网格巡查"] * 4 + ["陇情e通", "陇情e通", "12345热线", "12345热线", "来访"]


def sqlite_path() -> Path:
    return DATA_DIR / "import.db"


def fresh_database(backend: str, admin_url: str | None) -> str:
    """Drop and recreate the benchmark's import database; returns its URL (and points the settings at it)."""
    dispose_engines()
    if backend == "sqlite":
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{sqlite_path()}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{sqlite_path()}"
    else:
        assert admin_url is not None
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {DB_NAME}"))
        engine.dispose()
        url = make_url(admin_url).set(database=DB_NAME).render_as_string(hide_password=False)
    os.environ["PORTAL_DATABASE_URL"] = url
    reset_settings()
    migrate.upgrade(url)
    with session_scope(write=True) as session:
        demo.seed_demo(session=session)
    return url


def platform_csv(session: Session, rows: int, now: datetime, *, seed: int = 20260305) -> bytes:
    """N rows as the platform exports them (GBK, Chinese headers), spread over every unit, grid and status."""
    rng = random.Random(seed)
    nodes = session.exec(select(OrgNode)).all()
    by_id = {n.id: n for n in nodes}
    places = [(by_id[n.parent_id].name, n.name) for n in nodes if n.kind == "grid" and n.parent_id in by_id]
    places += [(n.name, "") for n in nodes if n.kind != "grid"]
    categories = [c.name for c in session.exec(select(Category)).all()]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(IMPORT_COLUMNS.values())
    tz = clock.local_tz()
    for n in range(rows):
        reported = (now - timedelta(days=1) - timedelta(days=364) * rng.random()).astimezone(tz)
        community, grid = rng.choice(places)
        category = rng.choice(categories)
        status = rng.choices(["已受理", "办理中", "已办结", "已回访"], weights=[1, 1, 3, 5])[0]
        solved = status in ("已办结", "已回访")
        resolved = min(reported + timedelta(hours=rng.randint(2, 200)), now) if solved else None
        writer.writerow(
            [
                f"IMP-{reported:%Y%m%d}-{n:07d}",
                rng.choice(SOURCES),
                category,
                community,
                grid,
                f"{reported:%Y-%m-%d %H:%M}",
                f"{rng.choice(data.SURNAMES)}{rng.choice(['先生', '女士'])}",
                f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                rng.choice(data.DESCRIPTIONS.get(category) or ["其他诉求"]),
                status,
                f"{resolved:%Y-%m-%d %H:%M}" if resolved else "",
                rng.choice(["满意", "满意", "基本满意", "不满意"]) if status == "已回访" else "",
            ]
        )
    return out.getvalue().encode("gb18030")


def platform_xlsx(payload: bytes) -> bytes:
    """The same rows as a workbook: times as real Excel date cells, as the platform's XLSX export has them."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("事件")
    for number, row in enumerate(csv.reader(io.StringIO(payload.decode("gb18030")))):
        cells: list[Any] = list(row)
        if number:
            for index in (5, 10):  # 上报时间, 办结时间
                cells[index] = datetime.strptime(row[index], "%Y-%m-%d %H:%M") if row[index] else None
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _timed_import(payload: bytes, name: str) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    with session_scope(write=True) as session:
        actor = Actor.system(load_tree(session=session).roots[0])
        result = import_cases(session=session, actor=actor, data=payload, filename=name, lang="en")
    elapsed = time.perf_counter() - started
    counts = {"imported": result.imported, "duplicates": result.skipped_duplicates, "rejected": result.rejected}
    return elapsed, counts


def _timed_export(file_format: str) -> tuple[float, int]:
    """Export every case (the imported ones and the demo's) in the same format, as the export job does."""
    started = time.perf_counter()
    with session_scope() as session:
        actor = Actor.system(load_tree(session=session).roots[0])
        data = export_file(file_format, session=session, actor=actor, filters=CaseFilters())
    return time.perf_counter() - started, len(data)


def bench_import(backend: str, rows: int, admin_url: str | None, file_format: str) -> dict[str, Any]:
    """Import the generated file into a fresh database, then again; returns the timings."""
    fresh_database(backend, admin_url)
    with session_scope() as session:
        payload = platform_csv(session, rows, datetime.now(UTC))
    if file_format == "xlsx":
        payload = platform_xlsx(payload)
    first, counts = _timed_import(payload, f"bench.{file_format}")
    again, recounts = _timed_import(payload, f"bench.{file_format}")
    exported, size = _timed_export(file_format)
    dispose_engines()
    return {
        "backend": backend,
        "format": file_format,
        "rows": rows,
        "file_mb": round(len(payload) / 1024 / 1024, 1),
        "import_s": round(first, 2),
        "rows_per_s": round(rows / first),
        "counts": counts,
        "reimport_s": round(again, 2),
        "reimport_counts": recounts,
        "export_s": round(exported, 2),
        "export_mb": round(size / 1024 / 1024, 1),
    }


def run(backends: list[str], rows: int, admin_url: str | None, formats: list[str]) -> list[dict[str, Any]]:
    """Measure and print each backend and format; the target is 100k rows in under 60 s."""
    figures = []
    for backend in backends:
        for file_format in formats:
            print(f"== import, {backend}, {file_format}: {rows:,} rows ...", flush=True)
            figure = bench_import(backend, rows, admin_url, file_format)
            figures.append(figure)
            print(
                f"  file {figure['file_mb']} MB; import {figure['import_s']:.1f} s = {figure['rows_per_s']:,} rows/s "
                f"{figure['counts']}; the same file again {figure['reimport_s']:.1f} s {figure['reimport_counts']}; "
                f"exporting all cases back {figure['export_s']:.1f} s ({figure['export_mb']} MB)",
                flush=True,
            )
    return figures
