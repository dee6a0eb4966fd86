"""KPI page benchmark: the full overview render (an AppTest run of pages/kpi_overview.py), cache cold and warm,
next to the bare SQL of the service call behind it.

For each (backend, size) the cached benchmark database is brought to the current schema (which builds and fills
the `case_daily` rollup on first use), then per scenario:

- `sql`: the bare SQL: the statements one `kpi_overview` call sends (recorded with their parameters) run again
  on a plain DB-API cursor, every row fetched;
- `executing`: the summed execution time of those statements inside the call (cursor events, fetching not
  included);
- `service`: that call in full (SQL plus folding the few hundred rows it reads into the page's figures);
- `cold`: an AppTest run of the page after `st.cache_data.clear()` — the service call, the cards, seven charts
  drawn from their templates (built once per process: `portal/widgets/vega.py`);
- `warm`: the same run again, the figures from the cache (what a leader pays on every rerun and refresh);
- `first`: cold, and the chart templates forgotten too (the first view of a page after the server started).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from statistics import median
from typing import Any

import streamlit as st
from sqlalchemy import event
from sqlmodel import select
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from bench import BENCH_DIR
from bench.measure import percentile
from bench.run import prepared
from db.models import User
from db.session import dispose_engines, get_engine, session_scope
from portal import clock, periods
from portal.i18n import t
from portal.serve import disable_legacy_pages_folder
from portal.services.actor import Actor
from portal.services.demo import DEMO_PASSWORD
from portal.services.kpi import KpiFilters
from portal.services.kpi_overview import kpi_overview
from portal.widgets import vega

APP = str(BENCH_DIR.parent / "streamlit_app.py")
SCENARIOS = (  # (key, user, period)
    ("subdistrict_month", "leader", "this_month"),
    ("subdistrict_year", "leader", "this_year"),
    ("community_month", "leader.zjt", "this_month"),
)


@dataclass
class Sent:
    """The statements sent while inside `sql_sent`, with the time each took to execute (not to fetch)."""

    statements: list[tuple[str, Any]] = field(default_factory=list)
    executing: list[float] = field(default_factory=list)


@contextmanager
def sql_sent() -> Iterator[Sent]:
    """Records every statement (with its parameters) sent while inside, and its execution time."""
    sent = Sent()
    engine = get_engine()

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        sent.executing.append(time.perf_counter() - conn.info.pop("bench_started"))
        sent.statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def bare_sql(statements: list[tuple[str, Any]]) -> float:
    """Seconds to run the statements and fetch every row they return on a plain DB-API cursor: the database's
    share of the work with nothing of SQLAlchemy or the service on top. (Execution time alone undercounts
    SQLite, which finds a grouped query's rows while they are fetched.)"""
    connection = get_engine().raw_connection()
    try:
        cursor = connection.cursor()
        started = time.perf_counter()
        for statement, params in statements:
            if statement.lstrip().upper().startswith("BEGIN"):
                continue  # SQLite's explicit BEGIN (db/session.py), once per connection the call used
            cursor.execute(statement, params)
            if cursor.description is not None:
                cursor.fetchall()
        spent = time.perf_counter() - started
        connection.rollback()
        return spent
    finally:
        connection.close()


def _stats(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {"median_ms": round(median(ms), 1), "p95_ms": round(percentile(ms, 0.95), 1)}


def _page(username: str, period: str) -> AppTest:
    """A browser session on /kpi?period=..., logged in through the real form (the KPI page is the landing page)."""
    _pages_folder_is_ours()
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["period"] = period
    at.run()
    inputs = {ti.label: ti for ti in at.text_input}
    inputs[t("login.username", "zh")].input(username)
    inputs[t("login.password", "zh")].input(DEMO_PASSWORD)
    next(b for b in at.button if b.label == t("login.submit", "zh")).click()
    return at


def _pages_folder_is_ours() -> None:
    # As tests/pages/conftest.py does: AppTest resets Streamlit's legacy-pages flag that `portal.serve` sets.
    if getattr(PagesManager.__init__, "_bench", False):
        return
    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        disable_legacy_pages_folder()
        original(self, *args, **kwargs)

    init._bench = True  # type: ignore[attr-defined]
    PagesManager.__init__ = init  # type: ignore[method-assign]


def _timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def scenario(actor: Actor, period: str, repeat: int) -> dict[str, Any]:
    """One user and period: the service's SQL and call, then the page cold and warm."""
    start, end = periods.resolve(period, clock.today())
    filters = KpiFilters(date_from=start, date_to=end)

    def service() -> int:
        with session_scope() as session:
            return kpi_overview(session=session, actor=actor, filters=filters, period=period).current.received

    service()  # warm-up: pool, compiled statements
    executing, calls, sql = [], [], []
    for _ in range(repeat):
        with sql_sent() as sent:
            calls.append(_timed(service))
        executing.append(sum(sent.executing))
        sql.append(bare_sql(sent.statements))
    at = _page(actor.username, period)
    at.run()  # warm-up: the login, imports, Altair, the first render
    assert not at.exception, at.exception
    cold, warm, first = [], [], []
    for _ in range(repeat):
        st.cache_data.clear()
        cold.append(_timed(at.run))
        warm.append(_timed(at.run))
        st.cache_data.clear()
        vega.forget_templates()
        first.append(_timed(at.run))
    assert not at.exception, at.exception
    return {
        "cases": service(),
        "sql": _stats(sql),
        "executing": _stats(executing),
        "service": _stats(calls),
        "cold": _stats(cold),
        "warm": _stats(warm),
        "first": _stats(first),
        "statements": len(sent.statements),
    }


def run(backends: list[str], sizes: list[int], admin_url: str | None, repeat: int) -> list[dict[str, Any]]:
    blocks = []
    # The router refuses to start without a cookie key (outside demo mode); the benchmark's logins need one.
    os.environ.setdefault("PORTAL_COOKIE_KEY", secrets.token_urlsafe(48))
    for backend in backends:
        for size in sizes:
            prepared(backend, size, admin_url)
            with session_scope() as session:
                users = {u.username: Actor.of(u) for u in session.exec(select(User)).all()}
            print(f"== {backend}, {size:,} cases")
            for key, username, period in SCENARIOS:
                figures = scenario(users[username], period, repeat)
                cold, sql = figures["cold"]["median_ms"], figures["sql"]["median_ms"]
                blocks.append({"backend": backend, "size": size, "scenario": key} | figures)
                print(
                    f"  {key:<20} cases {figures['cases']:>9,}  sql {figures['sql']['median_ms']:>7.1f}"
                    f" (executing {figures['executing']['median_ms']:.1f})"
                    f"  service {figures['service']['median_ms']:>7.1f}  cold {figures['cold']['median_ms']:>7.1f}"
                    f" (p95 {figures['cold']['p95_ms']:.1f}; {cold / sql:.2f}x sql, +{cold - sql:.1f})"
                    f"  warm {figures['warm']['median_ms']:>6.1f}"
                    f" (p95 {figures['warm']['p95_ms']:.1f})  first {figures['first']['median_ms']:>6.1f}"
                    f"  ms; {figures['statements']} statements",
                    flush=True,
                )
            dispose_engines()
    return blocks
