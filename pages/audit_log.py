"""Admin: the audit log of records kept on the low-code engine (who, when, what changed)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.session import session_scope
from portal import ui
from portal.i18n import label, t
from portal.lowcode.declare import REGISTRY
from portal.lowcode.extras import describe
from portal.services import audit

actor = ui.require_page("audit_log")
st.title(t("page.audit_log"))

left, middle, right = st.columns(3)
kind = left.selectbox(
    t("audit.kind"),
    [None, *REGISTRY],
    format_func=lambda k: t("filter.all") if k is None else t(REGISTRY[k].title),
    key="audit_kind",
)
record_id = middle.number_input(t("audit.record"), min_value=1, value=None, step=1, key="audit_record")
page = right.number_input(t("records.page"), min_value=1, value=1, step=1, key="audit_page")
with session_scope() as session:
    entries, total = audit.list_entries(
        session=session,
        actor=actor,
        kind=kind,
        record_id=int(record_id) if record_id else None,
        page=int(page),
    )
st.caption(t("audit.count", total=total))
st.dataframe(
    pd.DataFrame(
        [
            {
                t("audit.at"): ui.local(e.at),
                t("audit.actor"): e.actor_name,
                t("audit.kind"): t(REGISTRY[e.kind].title) if e.kind in REGISTRY else e.kind,
                t("audit.record"): e.record_id,
                t("audit.action"): label("audit", e.action),
                t("audit.changes"): describe(REGISTRY.get(e.kind), e.changes),
            }
            for e in entries
        ]
    ),
    hide_index=True,
)
