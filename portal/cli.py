"""The `portal` command: database, demo data, users, processes, KPI figures."""

from __future__ import annotations

import json
import logging
import sys
from datetime import date
from typing import Annotated

import typer

from portal.cli_import import import_app
from portal.cli_report import report_command
from portal.config import ConfigError, get_settings
from portal.services.errors import InvalidInput, ServiceError

app = typer.Typer(help="Grid-governance portal.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
seed_app = typer.Typer(help="Demo data.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(seed_app, name="seed")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.command("report")(report_command)


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the newest schema (safe to run again)."""
    from db.migrate import current_revision, upgrade

    upgrade()
    typer.echo(f"database at revision {current_revision()}")


@seed_app.command("demo")
def seed_demo(
    today: Annotated[str | None, typer.Option(help="Pretend today is YYYY-MM-DD (for reproducible data).")] = None,
) -> None:
    """Seed the demo sub-district (皋兰路街道) into an empty database; does nothing if it has data."""
    from db.migrate import analyze
    from db.session import session_scope
    from portal.services import demo

    with session_scope(write=True) as session:
        if not demo.is_empty(session=session):
            typer.echo("the database already holds data; nothing seeded")
            return
        counts = demo.seed_demo(session=session, today=date.fromisoformat(today) if today else None)
    analyze()  # a bulk load: give the query planner fresh statistics
    typer.echo("seeded demo sub-district: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="leader, staff, grid_worker or admin")],
    org: Annotated[str, typer.Option(help="org node code or name, e.g. gaolanlu or 郑家台社区")],
    name: Annotated[str | None, typer.Option(help="display name (default: the username)")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from stdin")] = False,
) -> None:
    """Add a user account; the password is prompted for (or read from stdin), never taken as an argument."""
    from db.session import session_scope
    from portal.services import users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope(write=True) as session:
            user = users.create_user(
                session=session,
                username=username,
                display_name=name or username,
                role=role,
                org=org,
                password=password,
                email=email,
            )
    except InvalidInput as exc:
        raise _fail("\n".join(f"{field}: {msg}" for field, msg in exc.field_messages("en").items())) from None
    typer.echo(f"added {user.username} ({user.role})")


@app.command()
def kpi(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    period: Annotated[
        str | None,
        typer.Option(
            help="this_month, this_week, last_week, this_year, last_12_months or all (default: all, or --from/--to)"
        ),
    ] = None,
    source: Annotated[str | None, typer.Option(help="xiaolan, longqing, patrol, hotline or walk_in")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="first day, YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="last day, YYYY-MM-DD")] = None,
    org: Annotated[str | None, typer.Option(help="org node code or name (default: the whole scope)")] = None,
    category: Annotated[str | None, typer.Option(help="category code or name")] = None,
    grain: Annotated[
        str | None, typer.Option(help="trend by day, week or month (default: by the period's length)")
    ] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="the figures USER's KPI page shows (their scope)")] = None,
    page: Annotated[
        str, typer.Option(help="overview, or safety (drills, training, publicity, corrective actions)")
    ] = "overview",
) -> None:
    """KPI figures, exactly as the KPI pages show them. Overview: headline figures and their change against the
    previous period, cases by unit, category, status and day, handling time, activities against targets, early
    warnings. Safety (`--page safety`; period this month unless told): activities per kind against the previous
    period, over time, by unit and venue, the year against its targets, corrective actions open and overdue."""
    from portal.cli_kpi import PAGES, kpi_figures, safety_figures

    try:
        if page not in PAGES:
            raise ValueError(f"unknown page {page!r}; use one of: {', '.join(PAGES)}")
        if page == "safety":
            if source is not None or category is not None:
                raise ValueError("the safety page counts activities: --source and --category do not apply")
            data = safety_figures(
                period=period, date_from=date_from, date_to=date_to, org=org, grain=grain, as_user=as_user
            )
        else:
            data = kpi_figures(
                period=period,
                source=source,
                date_from=date_from,
                date_to=date_to,
                org=org,
                category=category,
                grain=grain,
                as_user=as_user,
            )
    except ValueError as exc:
        raise _fail(str(exc), 2) from None
    except ServiceError as exc:
        raise _fail(exc.message("en"), 1) from None
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key, value in data.items():
        typer.echo(f"{key}: {value}")


@app.command()
def worker(burst: Annotated[bool, typer.Option(help="exit when the queue is empty")] = False) -> None:
    """Run one RQ worker on the default queue (with its scheduler, for retries)."""
    from portal.queue import make_worker

    _logging()
    make_worker().work(with_scheduler=True, burst=burst, logging_level=get_settings().log_level)


@app.command()
def cron() -> None:
    """Run the cron scheduler. Run exactly one per installation: it has no leader lock."""
    from jobs.schedule import build_scheduler
    from portal.queue import get_redis

    _logging()
    build_scheduler(get_redis(blocking=True)).start()


@app.command()
def up(port: Annotated[int | None, typer.Option(help="Streamlit port (default PORTAL_PORT)")] = None) -> None:
    """Migrate, seed (demo mode, empty database), start Redis (embedded unless configured), a worker,
    the scheduler and Streamlit; Ctrl-C stops them all."""
    from portal.supervisor import run_all

    raise typer.Exit(run_all(port=port or get_settings().port))


def _logging() -> None:
    logging.basicConfig(level=get_settings().log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")


def main() -> None:
    """Entry point: configuration problems become one clear message and exit code 2."""
    try:
        app()
    except ConfigError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
