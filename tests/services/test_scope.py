"""Scope through every door: a grid worker cannot read or change another grid's case with any service function.

The case is a dispute on 郑家台社区第一网格 with a mediation under way; the worker of 郑家台社区第二网格
(same community, next grid) tries each read and each change. Every one answers "not found" (the case's
existence is not confirmed either), the list and the exports leave it out, and nothing about it changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from pytest import Subtests
from sqlmodel import col, func, select

from db.models import Case, CaseHistory, MediationParty, MediationSession
from db.session import session_scope
from portal.services import case_export, cases, mediation, workflow
from portal.services.cases import CaseFilters
from portal.services.errors import NotFound
from tests.helpers import actor_for, create_case
from tests.services.conftest import FrozenClock, World, local

INTRUDER = "gw.zhengjiatai-2"


def snapshot(reference: str) -> tuple[Any, ...]:
    """Everything a change could touch: the case's version, status, level, assignee, history and mediation."""
    with session_scope() as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        history = session.exec(select(func.count()).where(col(CaseHistory.case_id) == case.id)).one()
        sittings = session.exec(select(func.count()).select_from(MediationSession)).one()
        return case.version, case.status, case.level, case.assignee_id, case.description, history, sittings


def test_another_grids_case_is_out_of_reach_of_every_service_function(
    world: World, frozen_clock: FrozenClock, subtests: Subtests
) -> None:
    data = {"category_id": world.categories["矛盾纠纷"], "reported_at": local(2026, 4, 8, 9, 0)}
    with session_scope(write=True) as session:
        reference = create_case(session, actor_for(session, "grid"), description="邻里漏水纠纷", **data)
    with session_scope(write=True) as session:
        party = session.exec(select(MediationParty.id).where(MediationParty.name == "综治中心")).one()
        mediation.start_mediation(
            session=session,
            actor=actor_for(session, "staff"),
            reference=reference,
            method="telephone",
            party_ids=[party],
        )
    before = snapshot(reference)
    version = before[0]
    with session_scope() as session:
        staff_id = actor_for(session, "staff").user_id

    attempts: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
        "get_case": (cases.get_case, {}),
        "get_mediation": (mediation.get_mediation, {}),
        "mediation_panel": (mediation.mediation_panel, {}),
        "transition_case": (workflow.transition_case, {"expected_version": version, "to_status": "accepted"}),
        "escalate_case": (workflow.escalate_case, {"expected_version": version, "direction": 1, "reason": "越权"}),
        "assign_case": (workflow.assign_case, {"expected_version": version, "assignee_id": staff_id}),
        "update_case": (workflow.update_case, {"expected_version": version, "data": {"description": "被改写"}}),
        "start_mediation": (mediation.start_mediation, {"method": "telephone", "party_ids": [party]}),
        "add_session": (
            mediation.add_session,
            {"expected_version": 1, "held_on": date(2026, 4, 9), "method": "telephone", "notes": "越权记录"},
        ),
        "set_parties": (mediation.set_parties, {"expected_version": 1, "party_ids": [party]}),
        "conclude": (
            mediation.conclude,
            {"expected_version": 1, "outcome": "agreement", "agreement_text": "越权", "concluded_on": date(2026, 4, 9)},
        ),
    }
    for name, (function, kwargs) in attempts.items():
        with subtests.test(function=name):
            with pytest.raises(NotFound), session_scope(write=True) as session:
                function(session=session, actor=actor_for(session, INTRUDER), reference=reference, **kwargs)
            assert snapshot(reference) == before

    with subtests.test("the list and its exports leave it out"):
        with session_scope() as session:
            actor = actor_for(session, INTRUDER)
            listed = cases.list_cases(session=session, actor=actor, filters=CaseFilters(search=reference))
            exported = list(case_export.export_rows(session=session, actor=actor, filters=CaseFilters()))
            count = case_export.count_export(session=session, actor=actor, filters=CaseFilters())
        assert listed.total == 0
        assert reference not in {row.reference for row in exported}
        assert count == len(exported)
    with subtests.test("its own grid's worker does see it"):  # the refusals above are about scope, not the case
        with session_scope() as session:
            assert cases.get_case(session=session, actor=actor_for(session, "grid"), reference=reference)
