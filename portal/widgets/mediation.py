"""The mediation panel of a dispute case: the record, and the forms the user's role allows.

Every save sends the mediation version that was on screen in the previous run (this run has already
re-read it), so a concurrent change is refused with a message naming who made it; nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from db.models import MediationMethod, MediationOutcome, PartyGroup
from db.session import session_scope
from portal import clock, ui
from portal.defaults import MAX_MEDIATION_TEXT_LENGTH
from portal.i18n import label, t
from portal.services import mediation
from portal.services.actor import Actor
from portal.services.mediation import MediationView, PartyChoice

METHODS = [m.value for m in MediationMethod]
OUTCOMES = [o.value for o in MediationOutcome]


def render_mediation(actor: Actor, reference: str) -> None:
    """The mediation record of a case, with start / session / parties / conclude forms for those who may."""
    panel = None
    with ui.reported_errors(), session_scope() as session:
        panel = mediation.mediation_panel(session=session, actor=actor, reference=reference)
    if panel is None or (panel.record is None and not panel.is_dispute):
        return
    record = panel.record
    forms = _Forms(actor, reference)
    st.subheader(t("mediation.title"))
    if record is None:
        st.info(t("mediation.none"))
        if panel.may_start:
            forms.start(panel.parties)
    else:
        _show(record)
        if panel.may_change:
            session_tab, parties_tab, conclude_tab = st.tabs(
                [t("mediation.add_session"), t("mediation.edit_parties"), t("mediation.conclude")]
            )
            with session_tab:
                forms.add_session(record)
            with parties_tab:
                forms.set_parties(record, panel.parties)
            with conclude_tab:
                forms.conclude()
    # What is on screen now is what the next save will be judged against (see `_Forms.seen`).
    st.session_state[forms.seen_key] = record.version if record else 0


def _show(record: MediationView) -> None:
    """The record as plain text: party names, notes and the agreement are user text, never Markdown or HTML."""
    started = " · ".join(x for x in (record.started_by, ui.local(record.started_at)) if x)
    facts = {
        t("mediation.method"): label("mediation_method", record.method),
        t("mediation.parties"): "、".join(record.parties),
        t("mediation.pre_litigation"): t("mediation.yes" if record.pre_litigation else "mediation.no"),
        t("mediation.started"): started,
        t("mediation.outcome"): label("mediation_outcome", record.outcome)
        if record.outcome
        else t("mediation.under_way"),
        t("mediation.concluded_on"): record.concluded_on.isoformat() if record.concluded_on else "",
    }
    st.dataframe(pd.DataFrame({t("case.field"): list(facts), t("case.value"): list(facts.values())}), hide_index=True)
    if record.agreement_text:
        st.caption(t("mediation.agreement_text"))
        st.text(record.agreement_text)
    st.caption(t("mediation.sessions"))
    if not record.sessions:
        st.text(t("mediation.no_sessions"))
        return
    rows = [
        {
            t("mediation.held_on"): s.held_on.isoformat(),
            t("mediation.method"): label("mediation_method", s.method),
            t("mediation.notes"): s.notes,
            t("mediation.recorded_by"): s.recorded_by or t("history.system"),
        }
        for s in record.sessions
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)


class _Forms:
    """The panel's forms for one case; each save goes through `_apply`."""

    def __init__(self, actor: Actor, reference: str) -> None:
        self.actor = actor
        self.reference = reference
        self.seen_key = f"mediation_seen_version:{reference}"
        self.errors_key = f"mediation_errors:{reference}"
        self.counter_key = f"mediation_form:{reference}"
        # The version the user acted on is the one shown in the *previous* run: this run has already
        # re-read the record, so its version would always look current.
        self.seen = int(st.session_state.get(self.seen_key, 0))
        self.n = int(st.session_state.setdefault(self.counter_key, 0))  # bumped after a save: fresh forms

    def start(self, parties: tuple[PartyChoice, ...]) -> None:
        names = {p.id: p.name for p in parties}
        lead = [p.id for p in parties if p.group == PartyGroup.LEAD]  # "1": the governance centre leads
        errors = self._errors("start", ("method", "party_ids", "pre_litigation"))
        with st.form(f"mediation_start_{self.reference}_{self.n}"):
            method = _method_box(None, f"med_start_method_{self.n}")
            ui.field_error(errors, "method")
            party_ids = st.multiselect(
                t("mediation.parties"),
                list(names),
                default=lead,
                format_func=names.__getitem__,
                help=t("mediation.parties_help"),
                key=f"med_start_parties_{self.n}",
            )
            ui.field_error(errors, "party_ids")
            pre_litigation = st.checkbox(
                t("mediation.pre_litigation"), help=t("mediation.pre_litigation_help"), key=f"med_pre_{self.n}"
            )
            submitted = st.form_submit_button(t("mediation.start"), type="primary")
        if submitted:
            self._apply(
                "start",
                mediation.start_mediation,
                t("mediation.start_saved"),
                method=method,
                party_ids=party_ids,
                pre_litigation=pre_litigation,
            )

    def add_session(self, record: MediationView) -> None:
        errors = self._errors("session", ("held_on", "method", "notes"))
        today = clock.today()
        with st.form(f"mediation_session_{self.reference}_{self.n}"):
            held_on = st.date_input(t("mediation.held_on"), today, max_value=today, key=f"med_held_on_{self.n}")
            ui.field_error(errors, "held_on")
            method = _method_box(record.method, f"med_session_method_{self.n}")
            ui.field_error(errors, "method")
            notes = st.text_area(
                t("mediation.notes"),
                max_chars=MAX_MEDIATION_TEXT_LENGTH,
                help=t("mediation.notes_help"),
                key=f"med_notes_{self.n}",
            )
            ui.field_error(errors, "notes")
            submitted = st.form_submit_button(t("mediation.add_session"), type="primary")
        if submitted:
            self._apply(
                "session",
                mediation.add_session,
                t("mediation.session_saved", day=str(held_on)),
                expected_version=self.seen,
                held_on=held_on,
                method=method,
                notes=notes,
            )

    def set_parties(self, record: MediationView, parties: tuple[PartyChoice, ...]) -> None:
        names = {p.id: p.name for p in parties}
        errors = self._errors("parties", ("party_ids",))
        with st.form(f"mediation_parties_{self.reference}_{self.n}"):
            party_ids = st.multiselect(
                t("mediation.parties"),
                list(names),
                default=[p for p in record.party_ids if p in names],
                format_func=names.__getitem__,
                help=t("mediation.parties_help"),
                key=f"med_parties_{self.n}",
            )
            ui.field_error(errors, "party_ids")
            submitted = st.form_submit_button(t("mediation.edit_parties"))
        if submitted:
            self._apply(
                "parties",
                mediation.set_parties,
                t("mediation.parties_saved"),
                expected_version=self.seen,
                party_ids=party_ids,
            )

    def conclude(self) -> None:
        errors = self._errors("conclude", ("outcome", "agreement_text", "concluded_on"))
        today = clock.today()
        with st.form(f"mediation_conclude_{self.reference}_{self.n}"):
            outcome = st.radio(
                t("mediation.outcome"),
                OUTCOMES,
                format_func=lambda o: label("mediation_outcome", o),
                horizontal=True,
                key=f"med_outcome_{self.n}",
            )
            ui.field_error(errors, "outcome")
            agreement_text = st.text_area(
                t("mediation.agreement_text"),
                max_chars=MAX_MEDIATION_TEXT_LENGTH,
                help=t("mediation.agreement_help"),
                key=f"med_agreement_{self.n}",
            )
            ui.field_error(errors, "agreement_text")
            concluded_on = st.date_input(
                t("mediation.concluded_on"), today, max_value=today, key=f"med_concluded_on_{self.n}"
            )
            ui.field_error(errors, "concluded_on")
            submitted = st.form_submit_button(t("mediation.conclude"), type="primary")
        if submitted:
            self._apply(
                "conclude",
                mediation.conclude,
                t("mediation.concluded_saved", outcome=label("mediation_outcome", outcome)),
                expected_version=self.seen,
                outcome=outcome,
                agreement_text=agreement_text,
                concluded_on=concluded_on,
            )

    def _errors(self, form: str, fields: tuple[str, ...]) -> dict[str, str]:
        """The messages the last save of `form` left (shown once); any not about one of its fields is shown here."""
        stored = st.session_state.get(self.errors_key)
        errors: dict[str, str] = {}
        if stored and stored[0] == form:
            errors = st.session_state.pop(self.errors_key)[1]
        if errors:
            st.error(t("error.invalid_input", count=len(errors)))
            for field, message in errors.items():
                if field not in fields:
                    st.error(message)
        return errors

    def _apply(self, form: str, change: Callable[..., Any], success: str, **kwargs: Any) -> None:
        """Save in one unit of work; rerun only after the commit (st.rerun() raises, and would roll it back)."""
        errors: dict[str, str] = {}
        saved = False
        with ui.reported_errors(errors):  # a Conflict is shown here, and nothing is overwritten
            with session_scope(write=True) as session:
                change(session=session, actor=self.actor, reference=self.reference, **kwargs)
            saved = True
        if saved:
            st.session_state.pop(self.errors_key, None)
            st.session_state.pop(self.seen_key, None)
            st.session_state[self.counter_key] = self.n + 1
            st.cache_data.clear()  # the KPI pages count mediations
            ui.flash(success)
            st.rerun()
        elif errors:
            st.session_state[self.errors_key] = (form, errors)
            st.rerun()  # draw the form again with each message under its field


def _method_box(current: str | None, key: str) -> str:
    index = METHODS.index(current) if current in METHODS else 0
    return str(
        st.selectbox(
            t("mediation.method"), METHODS, index=index, format_func=lambda m: label("mediation_method", m), key=key
        )
    )
