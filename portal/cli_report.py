"""`portal report`: compile a report for a scope and a period, store it, and copy its files to a folder."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer


def report_command(
    scope: Annotated[str, typer.Option(help="org node code or name (the sub-district, a community, a grid)")],
    week: Annotated[str | None, typer.Option(help="an ISO week, e.g. 2026-W47")] = None,
    month: Annotated[str | None, typer.Option(help="a month, e.g. 2026-11")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="first day of a range, YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="last day of a range, YYYY-MM-DD")] = None,
    source: Annotated[str | None, typer.Option(help="only cases from this source (xiaolan, patrol, ...)")] = None,
    out: Annotated[Path, typer.Option(help="folder to copy the report's files into")] = Path("."),
) -> None:
    """Compile a report as the Reports page does (without the queue): HTML, text, XLSX and chart PNGs in OUT.

    Exit 0 with the files written, 2 for a bad option (unknown scope, period or source).
    """
    from db.models import CaseSource
    from db.session import session_scope
    from portal.reports.period import PeriodError, ReportPeriod, parse
    from portal.services import reports
    from portal.services.actor import Actor
    from portal.services.errors import ServiceError
    from portal.services.orgs import load_tree

    given = [text for text in (week, month) if text] + ([f"{date_from}..{date_to}"] if date_from or date_to else [])
    if len(given) != 1:
        raise _stop("give exactly one period: --week 2026-W47, --month 2026-11, or --from D --to D")
    try:
        period: ReportPeriod = parse(given[0])
    except PeriodError as exc:
        raise _stop(str(exc)) from None
    if source is not None and source not in {s.value for s in CaseSource}:
        raise _stop(f"unknown source {source!r}; use one of: {', '.join(s.value for s in CaseSource)}")
    try:
        with session_scope(write=True) as session:
            tree = load_tree(session=session)
            if not tree.roots:
                raise _stop("the database holds no org tree yet; run `portal seed demo` or add one")
            node = tree.by_code_or_name(scope)
            report = reports.request_report(
                session=session, actor=Actor.system(tree.roots[0]), scope_id=node.id or 0, period=period, source=source
            )
            report_id = report.id or 0
    except ServiceError as exc:
        raise _stop(exc.message("en")) from None
    done = reports.compile_report(report_id)
    out.mkdir(parents=True, exist_ok=True)
    for name, path in sorted(done.files.items()):
        if name != "subject":
            typer.echo(shutil.copy2(path, out / Path(path).name))
    typer.echo(f"report #{report_id}: {node.name}, {period.label} ({period.start} – {period.end})", err=True)


def _stop(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)
