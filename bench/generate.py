"""Build a benchmark database: migrate, seed the demo org tree and users, bulk-insert N synthetic cases."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy import delete, text
from sqlmodel import Session, SQLModel, select

from bench import synth
from bench.targets import Target, create, drop, use, write_marker
from db import migrate
from db.bulk import insert_rows
from db.models import Case, CaseHistory, Category, Mediation, MediationPartyLink, MediationSession, OrgNode, User
from db.session import dispose_engines, get_engine, session_scope
from portal import clock
from portal.services import case_rollup, demo

BATCH = 20_000
CASE_COLUMNS = [c.name for c in SQLModel.metadata.tables["case_record"].columns if c.name != "id"]
LEVEL_OF_KIND = {"subdistrict": "subdistrict", "community": "community", "grid": "grid"}


def load_world(session: Session) -> synth.World:
    """The ids synthetic cases point at, read back from the seeded demo."""
    nodes = session.exec(select(OrgNode)).all()
    users = session.exec(select(User)).all()
    worker_of = {u.org_id: u.id for u in users if u.role == "grid_worker"}
    staff_id = next(u.id for u in users if u.username == "staff")
    assert staff_id is not None
    places: dict[str, list[synth.Place]] = {}
    for unit in nodes:
        if unit.kind == "grid":
            continue
        here = synth.Place(unit.id or 0, LEVEL_OF_KIND[unit.kind], staff_id)
        grids = [
            synth.Place(n.id or 0, "grid", worker_of.get(n.id or 0, staff_id))
            for n in sorted(nodes, key=lambda n: n.sort_order)
            if n.parent_id == unit.id and n.kind == "grid"
        ]
        places[unit.name] = [here, *grids]
    categories = {c.name: (c.id or 0, c.sla_days) for c in session.exec(select(Category)).all()}
    weights = dict(demo.XIAOLAN_CATEGORIES)
    weights["矛盾纠纷"] += demo.PATROL_DISPUTES // 2  # disputes also come from grid patrols
    return synth.World(places, dict(demo.XIAOLAN_UNITS), categories, weights, staff_id)


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while batch := list(islice(rows, size)):
        yield batch


def generate(target: Target, progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Drop and rebuild the target database; returns (and records in the marker) how long it took."""
    drop(target)
    create(target)
    use(target)
    started = time.perf_counter()
    migrate.upgrade(target.url)
    now = clock.now()
    with session_scope(write=True) as session:
        demo.seed_demo(session=session, today=clock.today())
        # Keep the demo's org tree, users, categories, activities and targets; replace its cases (and the
        # mediation records of its disputes, which point at them) with N of ours.
        for model in (MediationPartyLink, MediationSession, Mediation, CaseHistory, Case):
            session.execute(delete(model))
        world = load_world(session)
    seeded = time.perf_counter()
    rows = synth.case_rows(world, target.size, now, clock.local_tz())
    done = 0
    for batch in _batches(rows, BATCH):
        with session_scope(write=True) as session:
            if target.backend == "postgresql":
                _copy(session, batch)
            else:
                # Multi-row INSERTs, not an executemany: the search index's triggers (migration 0008) make
                # SQLite's FTS5 write out its pending index after every statement (see db.bulk).
                insert_rows(session, Case, batch)
        done += len(batch)
        if done % 200_000 == 0 or done == target.size:
            elapsed = time.perf_counter() - seeded
            progress(f"    {done:>9,} rows  {elapsed:6.1f} s  {done / elapsed:,.0f} rows/s")
    with session_scope(write=True) as session:
        case_rollup.rebuild(session)  # the inserts above bypass the services that keep it current
    inserted = time.perf_counter()
    _finish(target)
    finished = time.perf_counter()
    info = {
        "backend": target.backend,
        "size": target.size,
        "generated_at": now.isoformat(timespec="seconds"),
        "generated_on": clock.today().isoformat(),
        "migrate_seed_s": round(seeded - started, 3),
        "insert_s": round(inserted - seeded, 3),
        "finish_s": round(finished - inserted, 3),
        "total_s": round(finished - started, 3),
        "rows_per_s": round(target.size / (inserted - seeded)),
    }
    write_marker(target, info)
    return info


def _copy(session: Session, batch: list[dict[str, Any]]) -> None:
    """PostgreSQL: COPY the batch in, inside the session's transaction (instants as naive UTC, as UTCDateTime does)."""
    driver = session.connection().connection.driver_connection
    assert driver is not None
    columns = ", ".join(CASE_COLUMNS)
    with driver.cursor() as cursor, cursor.copy(f"COPY case_record ({columns}) FROM STDIN") as copy:
        for row in batch:
            copy.write_row([_naive_utc(row[name]) for name in CASE_COLUMNS])


def _naive_utc(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _finish(target: Target) -> None:
    """SQLite: fold the WAL into the file. PostgreSQL: VACUUM ANALYZE, what autovacuum does soon after a load."""
    dispose_engines()
    engine = get_engine(target.url)
    if target.backend == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        migrate.analyze(target.url)  # what the portal does after its own bulk loads (demo seed)
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    dispose_engines()


def describe(info: dict[str, Any]) -> str:
    when = datetime.fromisoformat(info["generated_at"]).strftime("%Y-%m-%d %H:%M")
    return (
        f"generated {when}: {info['size']:,} cases in {info['insert_s']:.1f} s ({info['rows_per_s']:,} rows/s), "
        f"total with migrate+seed+finish {info['total_s']:.1f} s"
    )
