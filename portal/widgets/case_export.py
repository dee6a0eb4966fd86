"""The case list's export panel: the filtered list as CSV, XLSX or Open311 JSON.

Up to EXPORT_DIRECT_MAX_ROWS cases the file is made when its button is clicked (Streamlit calls the
function on download, so the list page pays nothing until then); a larger export is written by a
worker, with a progress bar, and offered for download when it is done.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from db.session import session_scope
from portal import clock, defaults
from portal.i18n import t
from portal.services import file_jobs
from portal.services.actor import Actor
from portal.services.case_export import FORMATS, MEDIA_TYPES, export_file, file_name
from portal.services.cases import CaseFilters
from portal.widgets import job_progress

JOB_KEY, READY_KEY = "cases_export_job", "cases_export_ready"


def export_panel(actor: Actor, filters: CaseFilters, total: int) -> None:
    """Draw the panel under the list; `total` is the list's count under `filters`."""
    with st.expander(t("export.title")):
        st.caption(t("export.help", total=total))
        if total <= defaults.EXPORT_DIRECT_MAX_ROWS:
            for column, fmt in zip(st.columns(len(FORMATS)), FORMATS, strict=True):
                column.download_button(
                    t("export.download", format=t(f"export.format.{fmt}")),
                    data=_maker(actor, filters, fmt),
                    file_name=file_name(fmt, clock.now()),
                    mime=MEDIA_TYPES[fmt],
                    on_click="ignore",
                    key=f"cases_export_{fmt}",
                )
        else:
            _background(actor, filters, total)


def _maker(actor: Actor, filters: CaseFilters, fmt: str) -> Any:
    """The file, made only when the button is clicked."""

    def make() -> bytes:
        with session_scope() as session:
            return export_file(fmt, session=session, actor=actor, filters=filters)

    return make


def _background(actor: Actor, filters: CaseFilters, total: int) -> None:
    st.info(t("export.large", total=total, limit=defaults.EXPORT_DIRECT_MAX_ROWS))
    fmt = st.radio(
        t("export.format"),
        FORMATS,
        format_func=lambda f: t(f"export.format.{f}"),
        horizontal=True,
        key="cases_export_fmt",
    )
    if st.button(t("export.start"), disabled=JOB_KEY in st.session_state, key="cases_export_start"):
        if (problem := file_jobs.queue_problem()) is not None:
            st.error(t("export.redis_down", error=problem, limit=defaults.EXPORT_DIRECT_MAX_ROWS))
        else:
            st.session_state.pop(READY_KEY, None)
            job_id = file_jobs.start_export_job(actor.username, filters, fmt)
            st.session_state[JOB_KEY] = {"id": job_id, "filters": filters, "fmt": fmt}
    if JOB_KEY in st.session_state:
        job_progress.follow(JOB_KEY, READY_KEY, "export")
    ready: dict[str, Any] | None = st.session_state.get(READY_KEY)
    if ready and ready.get("error"):
        st.error(ready["error"])
    elif ready:
        st.success(t("export.ready", rows=ready["rows"]))
        if ready["filters"] != filters:
            st.warning(t("export.stale"))
        path = ready["path"]
        st.download_button(
            t("export.download", format=t(f"export.format.{ready['fmt']}")),
            data=lambda: file_jobs.exported_file(path),
            file_name=ready["file_name"],
            mime=MEDIA_TYPES[ready["fmt"]],
            on_click="ignore",
            type="primary",
            key="cases_export_ready_download",
        )
