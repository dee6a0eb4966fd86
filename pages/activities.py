"""Drills, training and publicity at a glance: the next 30 days, and this year against the annual targets.

Each kind has its own generated page (entry form, list, import, export) in the navigation.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.session import session_scope
from portal import clock, ui
from portal.i18n import label, t
from portal.services import activities

actor = ui.require_page("activities")
st.title(t("page.activities"))
today = clock.today()

with session_scope() as session:
    progress = activities.progress(session=session, actor=actor, year=today.year, today=today)
    coming = activities.upcoming(session=session, actor=actor, today=today)

st.subheader(t("activity.progress", year=today.year))
columns = st.columns(len(progress))
for where, item in zip(columns, progress, strict=True):
    target = f"{item.target:g}" if item.target is not None else "—"
    where.metric(
        label("activity", item.kind), f"{item.done} / {target}", help=t("activity.planned", count=item.planned)
    )
    if item.share is not None:
        where.progress(min(item.share, 1.0))

st.subheader(t("activity.upcoming", days=activities.UPCOMING_DAYS))
if not coming:
    st.info(t("activity.none_upcoming"))
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("activity.starts_at"): ui.local(a.starts_at),
                    t("activity.kind"): label("activity", a.kind),
                    t("activity.title"): a.title,
                    t("activity.org"): a.org,
                    t("activity.organiser"): a.organiser,
                    t("activity.location"): a.location,
                }
                for a in coming
            ]
        ),
        hide_index=True,
    )
