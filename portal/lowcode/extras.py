"""Panels under a record's detail view: its attachments and (for admins) its audit history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.session import session_scope
from portal import ui
from portal.defaults import ATTACHMENT_MAX_MB
from portal.i18n import label, t
from portal.lowcode import records
from portal.lowcode.declare import RecordKind
from portal.permissions import can
from portal.services import attachments, audit
from portal.services.actor import Actor


def attachments_panel(kind: RecordKind, actor: Actor, record_id: int) -> None:
    """The record's files, each downloadable; an uploader for those who may edit the record."""
    st.subheader(t("records.attachments"))
    with session_scope() as session:
        files = attachments.list_attachments(session=session, actor=actor, kind=kind.key, record_id=record_id)
        contents = [attachments.read(session=session, actor=actor, attachment_id=f.id or 0)[1] for f in files]
    if not files:
        st.caption(t("records.no_attachments"))
    for stored, data in zip(files, contents, strict=True):
        st.download_button(
            f"{stored.filename} ({stored.size / 1024:,.0f} KB)",
            data,
            file_name=stored.filename,
            mime=stored.media_type,
            key=f"lc_{kind.key}_file_{stored.id}",
            on_click="ignore",
        )
    if not records.allowed(kind, actor, "edit"):
        return
    errors: dict[str, str] = {}
    generation = st.session_state.get(f"lc_{kind.key}_attach_gen", 0)  # a new uploader, empty, after each upload
    uploaded = st.file_uploader(
        t("records.attach"),
        type=["jpg", "jpeg", "png", "gif", "webp", "pdf"],
        max_upload_size=ATTACHMENT_MAX_MB,
        key=f"lc_{kind.key}_attach_{record_id}_{generation}",
    )
    if (
        st.button(t("records.attach"), disabled=uploaded is None, key=f"lc_{kind.key}_attach_go_{record_id}")
        and uploaded
    ):
        saved = False
        with ui.reported_errors(errors):
            with session_scope(write=True) as session:
                attachments.attach(
                    session=session,
                    actor=actor,
                    kind=kind.key,
                    record_id=record_id,
                    filename=uploaded.name,
                    data=uploaded.getvalue(),
                )
            saved = True
        if saved:  # listed after the rerun, with the message on top
            st.session_state[f"lc_{kind.key}_attach_gen"] = generation + 1
            ui.flash(t("records.attached"))
            st.rerun()
        ui.field_error(errors, "file")


def history_panel(kind: RecordKind, actor: Actor, record_id: int) -> None:
    """Who changed this record, when, and each field's before and after (admins only)."""
    if not can(actor.role, "audit.view"):
        return
    with session_scope() as session:
        entries, _ = audit.list_entries(session=session, actor=actor, kind=kind.key, record_id=record_id)
    st.subheader(t("records.history"))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("audit.at"): ui.local(e.at),
                    t("audit.actor"): e.actor_name,
                    t("audit.action"): label("audit", e.action),
                    t("audit.changes"): describe(kind, e.changes),
                }
                for e in entries
            ]
        ),
        hide_index=True,
        key=f"lc_{kind.key}_history_{record_id}",
    )


def describe(kind: RecordKind | None, changes: dict[str, list[object]]) -> str:
    """Field diffs as one line of text: 参加人数: 45 → 60; 名称: … → …"""
    parts = []
    for name, pair in changes.items():
        shown = kind.label_of(name) if kind is not None and any(f.name == name for f in kind.fields) else name
        before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        parts.append(f"{shown}: {'' if before is None else before} → {'' if after is None else after}")
    return "; ".join(parts)
