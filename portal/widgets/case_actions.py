"""The case page's action panels: move along the workflow, escalate, reassign, correct fields.

Every save sends the version that was on screen in the previous run (this run has already re-read the
case), so a concurrent change is refused with a message naming who made it; nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from db.models import Case, CloseReason, Satisfaction
from db.session import session_scope
from portal import ui
from portal.i18n import has, label, t
from portal.services import case_rules, cases, orgs, workflow
from portal.services.actor import Actor

Choice = tuple[Any, str]


def seen_version(case: Case) -> int:
    """The version shown in the previous run: the one the user acted on. Read it before drawing any panel."""
    return int(st.session_state.get(f"case_seen_version:{case.reference}", case.version))


def remember_version(case: Case) -> None:
    """Call last in the page run: what is on screen now is what the next click will be judged against."""
    st.session_state[f"case_seen_version:{case.reference}"] = case.version


def apply(change: Callable[..., Any], success: str, **kwargs: Any) -> None:
    """Run one workflow change in its own unit of work; on success flash and rerun (only after the commit)."""
    saved = False
    with ui.reported_errors():
        with session_scope(write=True) as session:
            change(session=session, **kwargs)
        saved = True
    if saved:
        st.cache_data.clear()
        ui.flash(success)
        st.rerun()


def move_panel(actor: Actor, case: Case, next_statuses: tuple[str, ...], seen: int) -> None:
    """Pick the next status (outside the form, so the form asks only for what that move needs)."""
    to_status = st.radio(
        t("case.new_status"),
        next_statuses,
        format_func=lambda s: label("status", s),
        horizontal=True,
        key=f"move_to_{case.reference}",
    )
    needs = case_rules.needs(case.status, to_status)
    with st.form(f"move_{case.reference}"):
        note = assignee = close_reason = duplicate_of = satisfaction = None
        if "assignee" in needs:
            choices = [(None, t("case.routing_default")), *_assignees(actor, case)]
            assignee = st.selectbox(t("case.assignee"), choices, format_func=lambda c: c[1])[0]
        if "close_reason" in needs:
            reasons = [r.value for r in CloseReason if r is not CloseReason.RESOLVED]
            close_reason = st.selectbox(
                t("field.close_reason"), reasons, format_func=lambda r: label("close_reason", r)
            )
            duplicate_of = st.text_input(t("case.duplicate_of"), help=t("case.duplicate_of_help"))
        if "satisfaction" in needs:
            satisfaction = st.radio(
                t("field.satisfaction"),
                [s.value for s in Satisfaction],
                format_func=lambda s: label("satisfaction", s),
                horizontal=True,
            )
        if "note" in needs or "close_reason" in needs:
            note = st.text_area(t(f"case.note_for.{to_status}"), max_chars=2000)
        submitted = st.form_submit_button(t("case.save_status"), type="primary")
    if submitted:
        apply(
            workflow.transition_case,
            t("case.status_saved", status=label("status", to_status)),
            actor=actor,
            reference=case.reference,
            to_status=to_status,
            expected_version=seen,
            note=note or "",
            assignee_id=assignee,
            close_reason=close_reason,
            duplicate_of=duplicate_of,
            satisfaction=satisfaction,
        )


def escalate_panel(actor: Actor, case: Case, seen: int) -> None:
    """Hand the case up a level, or back down, with the reason."""
    directions = [d for d in (1, -1) if case_rules.may_escalate(actor.role, case.level, d)]
    if not directions:
        return
    with st.form(f"escalate_{case.reference}"):
        direction = st.radio(
            t("case.escalate_direction"),
            directions,
            horizontal=True,
            format_func=lambda d: t("case.escalate_up" if d == 1 else "case.escalate_down"),
        )
        reason = st.text_area(t("case.escalate_reason"), max_chars=2000)
        submitted = st.form_submit_button(t("case.escalate_save"))
    if submitted:
        apply(
            workflow.escalate_case,
            t("case.escalated"),
            actor=actor,
            reference=case.reference,
            expected_version=seen,
            direction=direction,
            reason=reason,
        )


def assign_panel(actor: Actor, case: Case, seen: int) -> None:
    """Give the case to another handler."""
    with st.form(f"assign_{case.reference}"):
        choice = st.selectbox(t("case.assignee"), _assignees(actor, case), format_func=lambda c: c[1], index=None)
        note = st.text_input(t("case.note"))
        submitted = st.form_submit_button(t("case.assign_save"))
    if submitted and choice is not None:
        apply(
            workflow.assign_case,
            t("case.assigned", name=choice[1]),
            actor=actor,
            reference=case.reference,
            expected_version=seen,
            assignee_id=choice[0],
            note=note,
        )


def edit_panel(actor: Actor, case: Case, seen: int) -> None:
    """Correct the registered fields; only what changed is saved (and shown in the history)."""
    with session_scope() as session:
        nodes = [(n.id, n.name) for n in orgs.visible_nodes(session=session, actor=actor, active_only=True)]
        categories = [(c.id, c.name) for c in cases.categories(session=session)]
    with st.form(f"edit_{case.reference}"):
        category = st.selectbox(
            t("case.category"), categories, format_func=lambda c: c[1], index=_index(categories, case.category_id)
        )
        org = st.selectbox(t("case.org"), nodes, format_func=lambda n: n[1], index=_index(nodes, case.org_id))
        description = st.text_area(t("case.description"), case.description, max_chars=2000)
        reporter_name = st.text_input(t("case.reporter_name"), case.reporter_name or "", max_chars=64)
        reporter_phone = st.text_input(t("case.reporter_phone"), case.reporter_phone or "")
        submitted = st.form_submit_button(t("case.edit_save"))
    if submitted:
        data = {
            "category_id": category[0] if category else None,
            "org_id": org[0] if org else None,
            "description": description,
            "reporter_name": reporter_name,
            "reporter_phone": reporter_phone,
        }
        apply(
            workflow.update_case,
            t("case.edited"),
            actor=actor,
            reference=case.reference,
            expected_version=seen,
            data=data,
        )


def _assignees(actor: Actor, case: Case) -> list[Choice]:
    with session_scope() as session:
        return [
            (u.id, u.display_name) for u in cases.assignable_users(session=session, actor=actor, org_id=case.org_id)
        ]


def _index(choices: list[Choice], value: Any) -> int | None:
    return next((i for i, (key, _) in enumerate(choices) if key == value), None)


def describe_changes(changes: dict[str, Any], names: dict[str, dict[Any, str]]) -> str:
    """'状态: 已受理 → 已派遣; 承办人: — → 王磊' from a history row's {field: [old, new]}."""

    def show(field: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, bool):
            return t("common.yes" if value else "common.no")
        if isinstance(value, list):
            return "、".join(show(field, item) for item in value)
        if field in _LABELLED:
            return label(_LABELLED[field], str(value))
        return names.get(field, {}).get(value, str(value))

    parts = []
    for field, pair in changes.items():
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        title = t(f"field.{field}") if has(f"field.{field}") else field
        parts.append(f"{title}: {show(field, old)} → {show(field, new)}")
    return "; ".join(parts)


# History fields whose stored codes have labels (prefix in the catalogue).
_LABELLED = {
    "status": "status",
    "close_reason": "close_reason",
    "satisfaction": "satisfaction",
    "level": "level",
    "mediation_method": "mediation_method",
    "session_method": "mediation_method",
    "mediation_outcome": "mediation_outcome",
}
