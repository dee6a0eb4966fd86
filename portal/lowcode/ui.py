"""The page every record kind gets: entry form, list (search, filters, sort, pages), export, import, detail/edit.

The router makes one st.Page per registered kind (`page_for`); nothing here queries the database itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from db.session import session_scope
from portal import ui
from portal.auth import ACTOR_KEY
from portal.i18n import current_language, t
from portal.lowcode import links, records, transfer
from portal.lowcode.declare import RecordKind, get_kind
from portal.lowcode.extras import attachments_panel, history_panel
from portal.lowcode.widgets import field_inputs
from portal.services.actor import Actor
from portal.services.errors import ServiceError


def page_for(key: str) -> Callable[[], None]:
    """The page function of a kind, for st.Page (named after the kind, so Streamlit can tell pages apart)."""

    def page() -> None:
        render(key)

    page.__name__ = f"records_{key}"
    return page


def _guard(kind: RecordKind) -> Actor:
    actor = st.session_state.get(ACTOR_KEY)
    if not isinstance(actor, Actor) or not records.allowed(kind, actor, "view"):
        st.error(t("error.forbidden"))
        st.stop()
    return actor


def render(key: str) -> None:
    """Draw the page of record kind `key` for the logged-in user."""
    kind = get_kind(key)
    actor = _guard(kind)
    st.title(t(kind.title))
    if kind.help:
        st.caption(t(kind.help))
    ui.show_flash()
    with session_scope() as session:
        options = records.choices(session=session, actor=actor, kind=key)
    labels = {n: dict(c) for n, c in options.items()}
    if records.allowed(kind, actor, "create"):
        _create_form(kind, actor, options)
    query = _list_controls(kind, labels, options)
    with session_scope() as session:
        rows, total = records.list_records(session=session, actor=actor, kind=key, query=query)
    st.caption(t("records.count", total=total, shown=len(rows)))
    table = [
        {"#": r.id, **{kind.label_of(n): records.display(kind, n, getattr(r, n), labels, None) for n in kind.columns}}
        for r in rows
    ]
    st.dataframe(pd.DataFrame(table), hide_index=True, key=f"lc_{key}_table", width="stretch")
    _export(kind, actor, query, labels)
    if records.allowed(kind, actor, "create") and transfer.importable(kind):
        _import(kind, actor)
    if rows:
        _detail(kind, actor, rows, options)


def _save(change: Callable[[Any], Any], errors: dict[str, str], done: str, reset: str) -> None:
    """Run one change in its own unit of work; on success clear the form and say so after the rerun."""
    errors.clear()
    saved = False
    with ui.reported_errors(errors):
        with session_scope(write=True) as session:
            change(session)
        saved = True
    if saved:
        _saved(done, reset)
    st.rerun()


def _saved(message: str, reset: str) -> None:
    st.cache_data.clear()
    st.session_state[reset] = st.session_state.get(reset, 0) + 1
    ui.flash(message)


def _create_form(kind: RecordKind, actor: Actor, options: dict[str, list[tuple[Any, str]]]) -> None:
    errors: dict[str, str] = st.session_state.setdefault(f"lc_{kind.key}_new_errors", {})
    generation = st.session_state.setdefault(f"lc_{kind.key}_new_gen", 0)
    with st.expander(t("records.new"), expanded=bool(errors)):
        if errors:
            st.error(t("error.invalid_input", count=len(errors)))
        with st.form(f"lc_{kind.key}_new_{generation}"):
            data = field_inputs(
                kind, prefix=f"lc_{kind.key}_new_{generation}", values={}, options=options, errors=errors
            )
            submitted = st.form_submit_button(t("records.save"), type="primary")
    if submitted:

        def create(session: Any) -> None:
            records.create_record(session=session, actor=actor, kind=kind.key, data=data)

        _save(create, errors, t("records.saved"), f"lc_{kind.key}_new_gen")


def _list_controls(
    kind: RecordKind, labels: dict[str, dict[Any, str]], options: dict[str, list[tuple[Any, str]]]
) -> records.Query:
    links.apply(kind, options)  # a link from another page (a KPI chart) sets the filters below
    within = links.within(st.query_params.to_dict())
    if within is not None and kind.scope:
        links.within_note(within, st.session_state.get(ACTOR_KEY))
    view = None
    if kind.views:
        view = st.selectbox(
            t("records.view"),
            [None, *kind.views],
            format_func=lambda v: t("filter.all") if v is None else t(kind.views[v].label),
            key=f"lc_{kind.key}_view",
        )
    columns = st.columns(max(2, len(kind.filters) + 2))
    search = columns[0].text_input(t("records.search"), key=f"lc_{kind.key}_search") if kind.search else ""
    filters: dict[str, Any] = {}
    for index, name in enumerate(kind.filters, start=1):
        where = columns[index]
        widget = kind.widget(name)
        if widget in ("date", "datetime"):
            picked: Any = where.date_input(kind.label_of(name), value=[], key=f"lc_{kind.key}_f_{name}")
            span = tuple(picked) if isinstance(picked, tuple | list) else (picked,)
            if span and isinstance(span[0], date):
                filters[name] = (span[0], span[1] if len(span) > 1 else span[0])
        elif widget == "checkbox":
            filters[name] = where.selectbox(
                kind.label_of(name),
                [None, True, False],
                format_func=lambda v: t("filter.all") if v is None else t("common.yes" if v else "common.no"),
                key=f"lc_{kind.key}_f_{name}",
            )
        else:
            values = [None, *(v for v, _ in options.get(name, []))]
            names = labels.get(name, {})
            filters[name] = where.selectbox(
                kind.label_of(name),
                values,
                format_func=lambda v, names=names: t("filter.all") if v is None else names.get(v, str(v)),  # type: ignore[misc]
                key=f"lc_{kind.key}_f_{name}",
            )
    sort = None
    if kind.sort:
        sorts = [s for name in kind.sort for s in (name.lstrip("-"), "-" + name.lstrip("-"))]
        sort = columns[-1].selectbox(
            t("records.sort"),
            sorts,
            index=sorts.index(kind.sort[0]),
            format_func=lambda s: f"{kind.label_of(s.lstrip('-'))} {'↓' if s.startswith('-') else '↑'}",
            key=f"lc_{kind.key}_sort",
        )
    page = st.number_input(t("records.page"), min_value=1, value=1, step=1, key=f"lc_{kind.key}_page")
    return records.Query(search=search or "", filters=filters, sort=sort, view=view, within=within, page=int(page))


def _export(kind: RecordKind, actor: Actor, query: records.Query, labels: dict[str, dict[Any, str]]) -> None:
    left, right = st.columns(2)
    for where, fmt in ((left, "csv"), (right, "xlsx")):
        where.download_button(
            t(f"records.export_{fmt}"),
            _exporter(kind.key, actor, query, fmt, (current_language(), labels)),
            file_name=f"{kind.key}.{fmt}",
            mime=transfer.MEDIA_TYPES[fmt],
            key=f"lc_{kind.key}_export_{fmt}",
            on_click="ignore",
        )


def _exporter(
    key: str, actor: Actor, query: records.Query, fmt: str, shown: tuple[str, dict[str, dict[Any, str]]]
) -> Callable[[], bytes]:
    """The file, made only when its button is pressed: Streamlit calls this then, outside the page's run (so the
    page's language and choice labels, `shown`, are taken along)."""
    lang, labels = shown

    def make() -> bytes:
        with session_scope() as session:
            return transfer.export_records(
                session=session, actor=actor, kind=key, fmt=fmt, query=query, lang=lang, labels=labels
            )

    return make


def _import(kind: RecordKind, actor: Actor) -> None:
    with st.expander(t("records.import")):
        st.caption(t("records.import_note"))
        uploaded = st.file_uploader(t("import.file"), type=["csv", "xlsx"], key=f"lc_{kind.key}_import_file")
        dry_run = st.checkbox(t("import.dry_run"), key=f"lc_{kind.key}_import_dry")
        if st.button(t("import.start"), disabled=uploaded is None, key=f"lc_{kind.key}_import_go") and uploaded:
            result = None
            with ui.reported_errors():
                with session_scope(write=True) as session:
                    result = transfer.import_records(
                        session=session,
                        actor=actor,
                        kind=kind.key,
                        data=uploaded.getvalue(),
                        filename=uploaded.name,
                        dry_run=dry_run,
                    )
            if result is not None:
                st.cache_data.clear()
                st.warning(t("records.import_done", imported=result.imported, rejected=result.rejected))
                if result.errors:
                    st.dataframe(
                        pd.DataFrame(
                            [
                                {
                                    t("import.col_row"): e.row,
                                    t("import.col_field"): kind.label_of(e.field),
                                    t("import.col_message"): e.message,
                                }
                                for e in result.errors
                            ]
                        ),
                        hide_index=True,
                    )


def _detail(kind: RecordKind, actor: Actor, rows: list[Any], options: dict[str, list[tuple[Any, str]]]) -> None:
    st.subheader(t("records.detail"))
    chosen = st.selectbox(
        t("records.open"),
        [r.id for r in rows],
        index=None,
        format_func=lambda i: f"#{i} {getattr(next(r for r in rows if r.id == i), kind.record_label, '')}",
        key=f"lc_{kind.key}_open",
        placeholder=t("records.choose"),
    )
    if chosen is None:
        return
    try:
        with session_scope() as session:
            row = records.get_record(session=session, actor=actor, kind=kind.key, record_id=chosen)
    except ServiceError as exc:
        st.error(exc.message())
        return
    version = getattr(row, "version", None)
    prefix = f"lc_{kind.key}_edit_{chosen}_{version}_{st.session_state.get(f'lc_{kind.key}_edit_gen', 0)}"
    errors: dict[str, str] = st.session_state.setdefault(f"lc_{kind.key}_edit_errors", {})
    if errors:
        st.error(t("error.invalid_input", count=len(errors)))
    can_edit = records.allowed(kind, actor, "edit")
    with st.form(f"{prefix}_form"):
        values = records.form_values(kind, row)
        data = field_inputs(kind, prefix=prefix, values=values, options=options, errors=errors, editing=True)
        saved = st.form_submit_button(t("records.update"), disabled=not can_edit)
    if saved:

        def update(session: Any) -> None:
            records.update_record(
                session=session, actor=actor, kind=kind.key, record_id=chosen, data=data, expected_version=version
            )

        _save(update, errors, t("records.updated"), f"lc_{kind.key}_edit_gen")
    for action in records.actions_for(kind, actor, row):
        if st.button(t(action.label), key=f"{prefix}_{action.key}"):
            _act(kind, actor, chosen, action.key)
    if records.allowed(kind, actor, "delete") and st.button(t("records.delete"), key=f"{prefix}_delete"):

        def delete(session: Any) -> None:
            records.delete_record(session=session, actor=actor, kind=kind.key, record_id=chosen)

        _save(delete, {}, t("records.deleted"), f"lc_{kind.key}_edit_gen")
    if kind.attachments:
        attachments_panel(kind, actor, chosen)
    history_panel(kind, actor, chosen)


def _act(kind: RecordKind, actor: Actor, record_id: int, action: str) -> None:
    """Run a row action; its message (a one-time password, say) is shown once, after the rerun."""
    message = None
    with ui.reported_errors():  # a refusal stays on screen: no rerun
        with session_scope(write=True) as session:
            message = records.run_action(
                session=session, actor=actor, kind=kind.key, record_id=record_id, action=action
            )
    if message is not None:
        _saved(message, f"lc_{kind.key}_edit_gen")
        st.rerun()
