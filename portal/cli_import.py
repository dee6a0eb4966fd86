"""`portal import cases FILE`: import a CSV/XLSX of cases; exit 0 all rows fine, 1 some rejected, 2 nothing read."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer

import_app = typer.Typer(help="Import records from files.", no_args_is_help=True)


def _stop(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)


@import_app.command("cases")
def import_cases_command(
    file: Annotated[Path, typer.Argument(help="a .csv (UTF-8, UTF-8 with BOM, GBK) or .xlsx file")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check every row, save nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    org: Annotated[str | None, typer.Option(help="only into this org node (code or name) and below")] = None,
    as_user: Annotated[
        str | None, typer.Option("--as", help="import as this user: their role and scope, their name in the history")
    ] = None,
    lang: Annotated[
        str | None, typer.Option(help="language of the messages: zh or en (default PORTAL_LANGUAGE)")
    ] = None,
) -> None:
    """Import cases; every row is checked, good rows are saved in one transaction, duplicates skipped.

    Without --as the import acts as the system over the whole tree (history shows "system").
    """
    from db.session import session_scope
    from portal.i18n import t
    from portal.services.actor import Actor
    from portal.services.case_import import import_cases
    from portal.services.errors import ServiceError
    from portal.services.file_jobs import job_actor
    from portal.services.orgs import load_tree

    if lang not in (None, "zh", "en"):
        raise _stop(f"unknown language {lang!r}; use zh or en")
    if not file.is_file():
        raise _stop(t("import.file_not_found", lang, path=str(file)))
    try:
        with session_scope(write=not dry_run) as session:
            tree = load_tree(session=session)
            if not tree.roots:
                raise _stop("the database holds no org tree yet; run `portal seed demo` or add one")
            actor = job_actor(session=session, username=as_user) if as_user else Actor.system(tree.roots[0])
            if org:
                node = tree.by_code_or_name(org)
                assert node.id is not None
                if not tree.contains(actor.org_id, node.id):
                    raise _stop(t("error.import_out_of_scope", lang, node=node.name))
                actor = dataclasses.replace(actor, org_id=node.id)
            result = import_cases(
                session=session, actor=actor, data=file.read_bytes(), filename=file.name, dry_run=dry_run, lang=lang
            )
    except ServiceError as exc:
        raise _stop(exc.message(lang)) from None
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        for error in result.errors:
            typer.echo(t("import.cli_row", lang, row=error.row, field=error.field, message=error.message))
        counts = {"imported": result.imported, "skipped": result.skipped_duplicates, "rejected": result.rejected}
        typer.echo(t("import.cli_summary", lang, **counts))
        if dry_run:
            typer.echo(t("import.cli_dry_run", lang))
    raise typer.Exit(1 if result.errors else 0)
