"""Following a file job (an import or an export) from its page: a progress bar until the worker is done."""

from __future__ import annotations

from typing import Any

import streamlit as st

from portal.i18n import t
from portal.services import file_jobs


@st.fragment(run_every=1)
def follow(job_key: str, result_key: str, prefix: str, *, clear_cache: bool = False) -> None:
    """Polls the job `st.session_state[job_key]` names ({"id": ..., plus anything to keep with its result}).

    When it is over, its result (with those extras) or an error message goes to `st.session_state[result_key]`
    and the page reruns to show it. Messages are `{prefix}.progress`, `.job_failed` and `.job_lost`.
    """
    job: dict[str, Any] = st.session_state[job_key]
    state = file_jobs.job_state(job["id"])
    if state.done:
        del st.session_state[job_key]
        if state.status == "finished" and state.result is not None:
            extras = {k: v for k, v in job.items() if k != "id"}
            st.session_state[result_key] = state.result | extras
            if clear_cache:  # the job wrote to the database: cached figures are stale
                st.cache_data.clear()
        else:
            lost = state.status != "failed"
            error = t(f"{prefix}.job_lost") if lost else t(f"{prefix}.job_failed", error=state.error)
            st.session_state[result_key] = {"error": error}
        st.rerun(scope="app")
    if state.status == "unreachable":
        st.error(t("jobs.redis_down", error=state.error or ""))
    elif state.total:
        done = t(f"{prefix}.progress", done=state.rows_read, total=state.total)
        st.progress(min(1.0, state.rows_read / state.total), text=done)
    else:
        st.progress(0.0, text=t("import.waiting"))
