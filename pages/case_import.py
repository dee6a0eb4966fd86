"""Import cases from a CSV or XLSX file: small files at once, large ones through the job queue with a progress bar."""

from __future__ import annotations

import csv
import io
from typing import Any

import pandas as pd
import streamlit as st

from db.session import session_scope
from portal import ui
from portal.defaults import IMPORT_DIRECT_MAX_ROWS, IMPORT_MAX_UPLOAD_MB
from portal.i18n import current_language, t
from portal.services import case_files, case_import, file_jobs
from portal.services.case_formats import EXPORT_COLUMNS, IMPORT_COLUMNS, safe_cell
from portal.widgets import job_progress

RESULT_KEY, JOB_KEY = "case_import_result", "case_import_job"

actor = ui.require_page("case_import")
st.title(t("page.case_import"))
st.caption(t("import.help", headers="、".join(IMPORT_COLUMNS.values())))

uploaded = st.file_uploader(
    t("import.file"), type=["csv", "xlsx"], max_upload_size=IMPORT_MAX_UPLOAD_MB, key="case_import_file"
)
dry_run = st.checkbox(t("import.dry_run"), key="case_import_dry_run")
busy = JOB_KEY in st.session_state
if st.button(t("import.start"), type="primary", disabled=uploaded is None or busy) and uploaded is not None:
    data = uploaded.getvalue()
    st.session_state.pop(RESULT_KEY, None)
    if len(data) > IMPORT_MAX_UPLOAD_MB * 1024 * 1024:  # the widget's own limit is the browser's to enforce
        st.error(t("import.too_large", limit=IMPORT_MAX_UPLOAD_MB))
    else:
        with ui.reported_errors():
            rows = case_files.count_rows(data, uploaded.name)
            if rows <= IMPORT_DIRECT_MAX_ROWS:
                with session_scope(write=True) as session:
                    result = case_import.import_cases(
                        session=session, actor=actor, data=data, filename=uploaded.name, dry_run=dry_run
                    )
                st.session_state[RESULT_KEY] = result.to_json() | {"rejected": result.rejected, "dry_run": dry_run}
                st.cache_data.clear()
            elif (problem := file_jobs.queue_problem()) is not None:
                st.error(t("import.redis_down", error=problem, limit=IMPORT_DIRECT_MAX_ROWS))
            else:
                path = file_jobs.save_upload(data, uploaded.name)
                st.session_state[JOB_KEY] = {"id": file_jobs.start_import_job(path, actor.username, dry_run)}
                st.info(t("import.queued", total=rows))


def column_name(field: str) -> str:
    """The column as the file names it: the Chinese header, or the English field name in English."""
    return EXPORT_COLUMNS.get(field, field) if current_language() == "zh" else field


def errors_csv(errors: list[dict[str, Any]]) -> bytes:
    """The row problems as a CSV that Excel opens (BOM) and cannot take for formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([t("import.col_row"), t("import.col_field"), t("import.col_message")])
    writer.writerows([e["row"], column_name(e["field"]), safe_cell(e["message"])] for e in errors)
    return out.getvalue().encode("utf-8-sig")


if JOB_KEY in st.session_state:
    job_progress.follow(JOB_KEY, RESULT_KEY, "import", clear_cache=True)

result: dict[str, Any] | None = st.session_state.get(RESULT_KEY)
if result and result.get("error"):
    st.error(result["error"])
elif result:
    counts = {"imported": result["imported"], "skipped": result["skipped_duplicates"], "rejected": result["rejected"]}
    message = t("import.dry_run_done" if result.get("dry_run") else "import.done", **counts)
    (st.warning if result["errors"] else st.success)(message)
    for column, (key, value) in zip(st.columns(3), counts.items(), strict=True):
        column.metric(t(f"import.{key}"), value)
    if result["errors"]:
        rows = [
            {
                t("import.col_row"): e["row"],
                t("import.col_field"): column_name(e["field"]),
                t("import.col_message"): e["message"],
            }
            for e in result["errors"]
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True)
        st.download_button(
            t("import.download_errors"), errors_csv(result["errors"]), file_name="import-errors.csv", mime="text/csv"
        )
