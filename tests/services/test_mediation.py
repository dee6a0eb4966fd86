"""Dispute mediation: start, sessions, parties, conclusion; who may; refusals that save nothing; the party list."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar

import pytest
from pytest import Subtests
from sqlmodel import col, func, select

from db.models import (
    CaseHistory,
    Mediation,
    MediationMethod,
    MediationOutcome,
    MediationParty,
    MediationPartyLink,
    MediationSession,
    PartyGroup,
    Role,
)
from db.session import session_scope
from portal.i18n import has, t
from portal.lowcode import records
from portal.lowcode.records import Query
from portal.services import cases, mediation, workflow
from portal.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ServiceError
from portal.services.mediation import MediationView
from tests.helpers import actor_for, create_case, edit_record
from tests.services.conftest import FrozenClock, World, advance, local

T = TypeVar("T")
STAFF_NAME = "张敏（综治中心）"
GRID_NAME = "王磊（郑家台一网格）"


def act(username: str, change: Callable[..., T], **kwargs: Any) -> T:
    """Call a service as `username` in its own unit of work (as a page does)."""
    with session_scope(write=True) as session:
        return change(session=session, actor=actor_for(session, username), **kwargs)


def dispute(world: World, username: str = "grid", **overrides: Any) -> str:
    """A 矛盾纠纷 case on 郑家台社区第一网格, reported on 8 April (office time)."""
    data = {"category_id": world.categories["矛盾纠纷"], "reported_at": local(2026, 4, 8, 9, 0)}
    data["description"] = "楼上卫生间漏水，楼下住户与楼上住户发生争执"
    with session_scope(write=True) as session:
        return create_case(session, actor_for(session, username), **(data | overrides))


def party_ids(*names: str) -> list[int]:
    with session_scope() as session:
        rows = session.exec(select(MediationParty.name, MediationParty.id)).all()
    ids = {name: party_id or 0 for name, party_id in rows}
    return [ids[name] for name in names]


def retire_party(name: str) -> MediationParty:
    """Retire a party as an admin does on its generated page (the engine's soft delete: active = False)."""
    party_id = party_ids(name)[0]
    act("admin", records.delete_record, kind="mediation_party", record_id=party_id)
    with session_scope() as session:
        party = session.get(MediationParty, party_id)
        assert party is not None
        return party


def listed_parties() -> list[MediationParty]:
    """The party list as the admin page shows it (every party, retired ones too, in display order)."""
    with session_scope() as session:
        rows, _total = records.list_records(
            session=session, actor=actor_for(session, "admin"), kind="mediation_party", query=Query()
        )
    return rows


def start(reference: str, username: str = "staff", **overrides: Any) -> MediationView:
    kwargs: dict[str, Any] = {
        "reference": reference,
        "method": "back_to_back",
        "party_ids": party_ids("综治中心", "司法所"),
        "pre_litigation": True,
    }
    return act(username, mediation.start_mediation, **(kwargs | overrides))


def add_session(reference: str, version: int, username: str = "staff", **overrides: Any) -> MediationView:
    kwargs: dict[str, Any] = {
        "reference": reference,
        "expected_version": version,
        "held_on": date(2026, 4, 9),
        "method": "telephone",
        "notes": "分别听取双方意见，约定次日现场查看漏水点",
    }
    return act(username, mediation.add_session, **(kwargs | overrides))


def view_as(username: str, reference: str) -> MediationView | None:
    with session_scope() as session:
        return mediation.get_mediation(session=session, actor=actor_for(session, username), reference=reference)


def history(reference: str) -> list[tuple[str, str | None, dict[str, Any], str | None]]:
    with session_scope() as session:
        detail = cases.get_case(session=session, actor=actor_for(session, "staff"), reference=reference)
    return [(h.action, h.actor, h.changes, h.note) for h in detail.history if h.action == "mediation"]


def saved_state() -> tuple[Any, ...]:
    """Everything a mediation change writes: to show a refusal saved nothing."""
    with session_scope() as session:
        counts = [
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Mediation, MediationSession, MediationPartyLink, CaseHistory, MediationParty)
        ]
        records = session.exec(select(Mediation.version, Mediation.outcome, Mediation.agreement_text)).all()
        active = session.exec(select(MediationParty.name).where(MediationParty.active)).all()
    return tuple(counts), sorted(records), sorted(active)


def refused(error: type[ServiceError], username: str, change: Callable[..., Any], **kwargs: Any) -> ServiceError:
    """Call a service that must refuse; check that nothing was saved; return the error."""
    before = saved_state()
    with pytest.raises(error) as raised:
        act(username, change, **kwargs)
    assert saved_state() == before
    return raised.value


# --- The happy path --------------------------------------------------------------------------------------


def test_a_mediation_is_started_held_and_concluded_and_each_step_is_in_the_case_history(
    world: World, frozen_clock: FrozenClock
) -> None:
    reference = dispute(world)

    started = start(reference, party_ids=party_ids("司法所", "综治中心"))
    assert started.method == "back_to_back"
    assert started.parties == ("综治中心", "司法所")  # the list's order: the lead first
    assert started.pre_litigation is True
    assert started.outcome is None and not started.concluded
    assert started.sessions == ()
    assert started.started_by == STAFF_NAME
    assert started.started_at == frozen_clock.current
    assert started.version == 1

    frozen_clock.advance(hours=1)
    later = add_session(reference, 1, held_on=date(2026, 4, 10), method="face_to_face", notes="现场查看，确认漏水点")
    frozen_clock.advance(hours=1)
    earlier = add_session(reference, later.version, username="grid", held_on=date(2026, 4, 9))
    assert earlier.version == 3
    # Sessions by the day they were held, newest last, whatever order they were typed in.
    assert [(s.held_on, s.method, s.recorded_by) for s in earlier.sessions] == [
        (date(2026, 4, 9), "telephone", GRID_NAME),
        (date(2026, 4, 10), "face_to_face", STAFF_NAME),
    ]
    assert earlier.sessions[1].notes == "现场查看，确认漏水点"

    concluded = act(
        "staff",
        mediation.conclude,
        reference=reference,
        expected_version=3,
        outcome="agreement",
        agreement_text="  楼上住户负责维修防水层并赔偿楼下住户损失800元。 ",
        concluded_on=date(2026, 4, 10),
    )
    assert concluded.outcome == "agreement" and concluded.concluded
    assert concluded.agreement_text == "楼上住户负责维修防水层并赔偿楼下住户损失800元。"
    assert concluded.concluded_on == date(2026, 4, 10)
    assert concluded.version == 4
    assert view_as("leader", reference) == concluded  # leaders read the same record

    assert history(reference) == [
        (
            "mediation",
            STAFF_NAME,
            {"mediation_method": [None, "back_to_back"], "mediation_parties": [None, "综治中心、司法所"]}
            | {"pre_litigation": [None, True]},
            None,
        ),
        (
            "mediation",
            STAFF_NAME,
            {"session_held_on": [None, "2026-04-10"], "session_method": [None, "face_to_face"]},
            "现场查看，确认漏水点",
        ),
        (
            "mediation",
            GRID_NAME,
            {"session_held_on": [None, "2026-04-09"], "session_method": [None, "telephone"]},
            "分别听取双方意见，约定次日现场查看漏水点",
        ),
        (
            "mediation",
            STAFF_NAME,
            {"mediation_outcome": [None, "agreement"], "concluded_on": [None, "2026-04-10"]},
            "楼上住户负责维修防水层并赔偿楼下住户损失800元。",
        ),
    ]
    with session_scope() as session:
        times = session.exec(
            select(CaseHistory.at).where(CaseHistory.action == "mediation").order_by(col(CaseHistory.id))
        ).all()
    hour = timedelta(hours=1)
    assert times == [started.started_at, started.started_at + hour, started.started_at + 2 * hour, frozen_clock.current]


def test_referral_to_court_concludes_without_agreement_text_and_keeps_none(
    world: World, frozen_clock: FrozenClock
) -> None:
    reference = dispute(world)
    start(reference)
    concluded = act(
        "staff",
        mediation.conclude,
        reference=reference,
        expected_version=1,
        outcome="referred_to_court",
        agreement_text="双方分歧较大",  # not an agreement: not kept as one
        concluded_on=date(2026, 4, 9),
    )
    assert (concluded.outcome, concluded.agreement_text) == ("referred_to_court", None)
    assert history(reference)[-1][3] is None


def test_a_session_on_the_offices_today_is_not_in_the_future_whatever_the_utc_date(
    world: World, frozen_clock: FrozenClock
) -> None:
    reference = dispute(world)
    start(reference)
    frozen_clock.set(local(2026, 4, 11, 1, 0))  # still 10 April in UTC
    saved = add_session(reference, 1, held_on=date(2026, 4, 11))
    assert saved.sessions[0].held_on == date(2026, 4, 11)


def test_parties_can_be_changed_and_the_history_shows_before_and_after(world: World, frozen_clock: FrozenClock) -> None:
    reference = dispute(world)
    start(reference)
    same = act(
        "staff",
        mediation.set_parties,
        reference=reference,
        expected_version=1,
        party_ids=party_ids("司法所", "综治中心"),
    )
    assert same.version == 1 and len(history(reference)) == 1  # nothing changed: nothing recorded

    changed = act(
        "grid",
        mediation.set_parties,
        reference=reference,
        expected_version=1,
        party_ids=party_ids("综治中心", "派出所", "社区律师"),
    )
    assert changed.parties == ("综治中心", "派出所", "社区律师")
    assert changed.version == 2
    assert history(reference)[-1][1:3] == (
        GRID_NAME,
        {"mediation_parties": ["综治中心、司法所", "综治中心、派出所、社区律师"]},
    )


# --- Refusals -------------------------------------------------------------------------------------------


def test_starting_is_refused_with_a_clear_reason_and_saves_nothing(
    world: World, frozen_clock: FrozenClock, subtests: Subtests
) -> None:
    reference = dispute(world)
    sanitation = dispute(world, category_id=world.categories["环境卫生"])
    rejected = dispute(world)
    with session_scope(write=True) as session:
        advance(session, "staff", rejected, "rejected", note="非本辖区事项")
    retired = retire_party("检察室").id

    cases_: dict[str, tuple[str, dict[str, Any], str, str]] = {
        "not a dispute": (sanitation, {}, "case", "error.mediation_not_dispute"),
        "case no longer open": (rejected, {}, "case", "error.mediation_case_not_open"),
        "no parties": (reference, {"party_ids": []}, "party_ids", "error.parties_required"),
        "a retired party": (
            reference,
            {"party_ids": [party_ids("综治中心")[0], retired]},
            "party_ids",
            "error.party_inactive",
        ),
        "no such party": (reference, {"party_ids": [987654]}, "party_ids", "error.party_inactive"),
        "unknown method": (reference, {"method": "carrier_pigeon"}, "method", "error.choice"),
    }
    for name, (ref, overrides, field, key) in cases_.items():
        with subtests.test(name):
            kwargs = {"reference": ref, "method": "telephone", "party_ids": party_ids("综治中心")} | overrides
            error = refused(InvalidInput, "staff", mediation.start_mediation, **kwargs)
            assert isinstance(error, InvalidInput)
            assert error.errors == {field: (key, {})}


def test_a_second_start_is_refused_naming_who_started_the_first(world: World, frozen_clock: FrozenClock) -> None:
    reference = dispute(world)
    start(reference, username="grid")
    error = refused(
        Conflict, "staff", mediation.start_mediation, reference=reference, method="online", party_ids=party_ids("法庭")
    )
    assert error.message("zh") == t("error.mediation_exists", "zh", who=GRID_NAME, when="2026-04-10 10:00")
    first = view_as("staff", reference)
    assert first is not None and first.method == "back_to_back" and first.started_by == GRID_NAME


def test_two_people_starting_at_once_get_one_mediation_and_the_second_is_told_who(
    world: World, frozen_clock: FrozenClock
) -> None:
    # The first start is saved but not yet committed when the second arrives: the second must wait for
    # it, then be refused (PostgreSQL: by the unique case_id; SQLite: by the write lock), not crash.
    reference = dispute(world)
    outcome: dict[str, Any] = {}

    def second() -> None:
        try:
            start(reference, username="staff.zjt", method="online")
        except ServiceError as exc:
            outcome["error"] = exc

    with session_scope(write=True) as session:
        mediation.start_mediation(
            session=session,
            actor=actor_for(session, "staff"),
            reference=reference,
            method="telephone",
            party_ids=party_ids("综治中心"),
        )
        other = threading.Thread(target=second)
        other.start()
        other.join(timeout=1.0)  # it is blocked on our uncommitted row (or on SQLite's write lock)
        assert other.is_alive()
    other.join(timeout=30)
    assert isinstance(outcome.get("error"), Conflict)
    assert outcome["error"].key == "error.mediation_exists"
    assert outcome["error"].params["who"] == STAFF_NAME
    with session_scope() as session:
        assert session.exec(select(Mediation.method)).all() == ["telephone"]


def test_a_session_with_bad_input_is_refused_naming_the_field_and_saves_nothing(
    world: World, frozen_clock: FrozenClock, subtests: Subtests
) -> None:
    reference = dispute(world)
    start(reference)
    bad: dict[str, tuple[dict[str, Any], str, tuple[str, dict[str, Any]]]] = {
        "tomorrow": ({"held_on": date(2026, 4, 11)}, "held_on", ("error.mediation_day_future", {})),
        "before the report": (
            {"held_on": date(2026, 4, 7)},
            "held_on",
            ("error.mediation_day_before_report", {"day": "2026-04-08"}),
        ),
        "not a date": ({"held_on": "next Tuesday"}, "held_on", ("error.date", {})),
        "empty notes": ({"notes": "   "}, "notes", ("error.required", {})),
        "notes too long": ({"notes": "记" * 2001}, "notes", ("error.too_long", {"limit": 2000})),
        "unknown method": ({"method": "letter"}, "method", ("error.choice", {})),
    }
    for name, (overrides, field, expected) in bad.items():
        with subtests.test(name):
            kwargs = {
                "reference": reference,
                "expected_version": 1,
                "held_on": date(2026, 4, 9),
                "method": "telephone",
                "notes": "调解记录",
            }
            error = refused(InvalidInput, "staff", mediation.add_session, **(kwargs | overrides))
            assert isinstance(error, InvalidInput)
            assert error.errors == {field: expected}
    with subtests.test("several at once"):
        kwargs = {"held_on": date(2026, 4, 30), "method": "telephone", "notes": ""}
        error = refused(InvalidInput, "staff", mediation.add_session, reference=reference, expected_version=1, **kwargs)
        assert isinstance(error, InvalidInput) and set(error.errors) == {"held_on", "notes"}


def test_concluding_with_bad_input_is_refused_and_saves_nothing(
    world: World, frozen_clock: FrozenClock, subtests: Subtests
) -> None:
    reference = dispute(world)
    start(reference)
    add_session(reference, 1, held_on=date(2026, 4, 9))
    bad: dict[str, tuple[dict[str, Any], str, tuple[str, dict[str, Any]]]] = {
        "agreement without its text": ({"agreement_text": "  "}, "agreement_text", ("error.agreement_required", {})),
        "agreement with no text at all": ({"agreement_text": None}, "agreement_text", ("error.agreement_required", {})),
        "before the last session": (
            {"concluded_on": date(2026, 4, 8)},
            "concluded_on",
            ("error.mediation_day_before_session", {"day": "2026-04-09"}),
        ),
        "in the future": ({"concluded_on": date(2026, 4, 12)}, "concluded_on", ("error.mediation_day_future", {})),
        "unknown outcome": ({"outcome": "settled_somehow"}, "outcome", ("error.choice", {})),
        "agreement text too long": (
            {"agreement_text": "协" * 2001},
            "agreement_text",
            ("error.too_long", {"limit": 2000}),
        ),
    }
    for name, (overrides, field, expected) in bad.items():
        with subtests.test(name):
            kwargs = {
                "reference": reference,
                "expected_version": 2,
                "outcome": "agreement",
                "agreement_text": "双方和解",
                "concluded_on": date(2026, 4, 10),
            }
            error = refused(InvalidInput, "staff", mediation.conclude, **(kwargs | overrides))
            assert isinstance(error, InvalidInput)
            assert error.errors == {field: expected}


def test_a_concluded_mediation_takes_no_more_changes(
    world: World, frozen_clock: FrozenClock, subtests: Subtests
) -> None:
    reference = dispute(world)
    start(reference)
    act(
        "staff",
        mediation.conclude,
        reference=reference,
        expected_version=1,
        outcome="no_agreement",
        agreement_text="",
        concluded_on=date(2026, 4, 10),
    )
    attempts: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
        "a session": (
            mediation.add_session,
            {"held_on": date(2026, 4, 10), "method": "telephone", "notes": "再次调解"},
        ),
        "parties": (mediation.set_parties, {"party_ids": party_ids("法庭")}),
        "a second conclusion": (
            mediation.conclude,
            {"outcome": "agreement", "agreement_text": "和解", "concluded_on": date(2026, 4, 10)},
        ),
    }
    for name, (change, kwargs) in attempts.items():
        with subtests.test(name):
            error = refused(InvalidInput, "staff", change, reference=reference, expected_version=2, **kwargs)
            assert isinstance(error, InvalidInput)
            assert error.errors == {"mediation": ("error.mediation_concluded", {})}


def test_a_stale_version_is_refused_naming_who_changed_it_and_nothing_is_overwritten(
    world: World, frozen_clock: FrozenClock
) -> None:
    reference = dispute(world)
    start(reference)
    # Two people open the case page and both see version 1.
    seen_by_staff = view_as("staff", reference)
    seen_by_grid = view_as("grid", reference)
    assert seen_by_staff is not None and seen_by_grid is not None
    frozen_clock.advance(minutes=25)
    add_session(reference, seen_by_grid.version, username="grid", notes="网格员先到现场调解")

    frozen_clock.advance(minutes=5)
    attempts: list[tuple[Callable[..., Any], dict[str, Any]]] = [
        (mediation.add_session, {"held_on": date(2026, 4, 10), "method": "online", "notes": "工作人员的记录"}),
        (mediation.set_parties, {"party_ids": party_ids("综治中心", "派出所")}),
        (
            mediation.conclude,
            {"outcome": "agreement", "agreement_text": "和解", "concluded_on": date(2026, 4, 10)},
        ),
    ]
    for change, kwargs in attempts:
        error = refused(
            Conflict, "staff", change, reference=reference, expected_version=seen_by_staff.version, **kwargs
        )
        assert error.message("zh") == t("error.mediation_conflict", "zh", who=GRID_NAME, when="2026-04-10 10:25")
        assert GRID_NAME in error.message("en")
    latest = view_as("staff", reference)
    assert latest is not None and [s.notes for s in latest.sessions] == ["网格员先到现场调解"]
    assert latest.parties == ("综治中心", "司法所") and latest.outcome is None


# --- Who may ---------------------------------------------------------------------------------------------


def test_who_may_change_a_mediation_is_one_table_by_role_and_level(subtests: Subtests) -> None:
    expected = {
        Role.STAFF: {"grid", "community", "subdistrict"},
        Role.ADMIN: {"grid", "community", "subdistrict"},
        Role.GRID_WORKER: {"grid"},
        Role.LEADER: set(),
    }
    for role, levels in expected.items():
        with subtests.test(role=role.value):
            allowed = {level for level in ("grid", "community", "subdistrict") if mediation.may_change(role, level)}
            assert allowed == levels


def test_leaders_read_but_may_not_change(world: World, frozen_clock: FrozenClock, subtests: Subtests) -> None:
    reference = dispute(world)
    other = dispute(world)
    start(reference)
    with subtests.test("start"):
        refused(
            PermissionDenied,
            "leader",
            mediation.start_mediation,
            reference=other,
            method="telephone",
            party_ids=party_ids("综治中心"),
        )
    for username in ("leader", "leader.zjt"):
        with subtests.test("session", username=username):
            refused(
                PermissionDenied,
                username,
                mediation.add_session,
                reference=reference,
                expected_version=1,
                held_on=date(2026, 4, 9),
                method="telephone",
                notes="领导记录",
            )
        with subtests.test("read", username=username):
            seen = view_as(username, reference)
            assert seen is not None and seen.parties == ("综治中心", "司法所")
    with session_scope() as session:
        panel = mediation.mediation_panel(session=session, actor=actor_for(session, "leader"), reference=reference)
    assert panel.record is not None and not panel.may_start and not panel.may_change and panel.parties == ()


def test_grid_workers_handle_grid_level_disputes_of_their_own_grid_only(
    world: World, frozen_clock: FrozenClock, subtests: Subtests
) -> None:
    own = dispute(world)
    escalated = dispute(world)
    with session_scope(write=True) as session:
        version = cases.get_case(session=session, actor=actor_for(session, "grid"), reference=escalated).case.version
        workflow.escalate_case(
            session=session,
            actor=actor_for(session, "grid"),
            reference=escalated,
            expected_version=version,
            direction=1,
            reason="双方情绪激动，需社区出面",
        )
    elsewhere = dispute(world, username="staff", org_id=world.nodes["郑家台社区第二网格"])
    kwargs: dict[str, Any] = {"method": "telephone", "party_ids": party_ids("综治中心")}

    with subtests.test("own grid-level case"):
        assert start(own, username="grid").started_by == GRID_NAME
    with subtests.test("own grid, but handled at the community level"):
        refused(PermissionDenied, "grid", mediation.start_mediation, reference=escalated, **kwargs)
        start(escalated, username="staff.zjt")  # the community's staff take it from here
        refused(
            PermissionDenied,
            "grid",
            mediation.add_session,
            reference=escalated,
            expected_version=1,
            held_on=date(2026, 4, 9),
            method="telephone",
            notes="网格员记录",
        )
    with subtests.test("another grid's case"):
        error = refused(NotFound, "grid", mediation.start_mediation, reference=elsewhere, **kwargs)
        assert error.key == "error.case_not_found"
        start(elsewhere, username="staff")
        with pytest.raises(NotFound), session_scope() as session:
            mediation.get_mediation(session=session, actor=actor_for(session, "grid"), reference=elsewhere)
    with subtests.test("another community's staff"):
        refused(
            NotFound,
            "staff.zjt",
            mediation.start_mediation,
            reference=dispute(world, username="staff", org_id=world.nodes["詹家拐子社区第一网格"]),
            **kwargs,
        )


def test_the_panel_offers_each_role_what_it_may_do(world: World, frozen_clock: FrozenClock) -> None:
    reference = dispute(world)
    sanitation = dispute(world, category_id=world.categories["环境卫生"])

    def panel(username: str, ref: str = reference) -> mediation.MediationPanel:
        with session_scope() as session:
            return mediation.mediation_panel(session=session, actor=actor_for(session, username), reference=ref)

    assert (panel("staff").may_start, panel("grid").may_start, panel("leader").may_start) == (True, True, False)
    assert [p.name for p in panel("staff").parties][:2] == ["综治中心", "司法所"]
    assert panel("staff", sanitation).is_dispute is False and panel("staff", sanitation).may_start is False
    start(reference)
    assert (panel("staff").may_start, panel("staff").may_change, panel("grid").may_change) == (False, True, True)
    act(
        "staff",
        mediation.conclude,
        reference=reference,
        expected_version=1,
        outcome="no_agreement",
        agreement_text=None,
        concluded_on=date(2026, 4, 10),
    )
    assert panel("staff").may_change is False


# --- The party list --------------------------------------------------------------------------------------


def test_the_migration_seeds_the_1_4_n_parties_and_admins_add_others(world: World, frozen_clock: FrozenClock) -> None:
    assert [(p.name, p.party_group) for p in listed_parties()] == [
        ("综治中心", "lead"),
        ("司法所", "four"),
        ("派出所", "four"),
        ("法庭", "four"),
        ("检察室", "four"),
        ("热心居民", "n"),
        ("社区律师", "n"),
        ("心理咨询师", "n"),
    ]
    # The form asks for the place in the list; the admin puts the new party last.
    new = {"name": "  物业服务中心 ", "party_group": "other", "sort_order": 99, "active": True}
    added = act("admin", records.create_record, kind="mediation_party", data=new)
    assert (added.name, added.party_group, added.active) == ("物业服务中心", "other", True)
    assert listed_parties()[-1].name == "物业服务中心"
    reference = dispute(world)
    assert start(reference, party_ids=party_ids("综治中心", "物业服务中心")).parties == ("综治中心", "物业服务中心")


def test_a_party_name_must_be_new_and_the_group_known(world: World, subtests: Subtests) -> None:
    for name, group, field, key in [
        ("派出所", "four", "name", "error.value_taken"),
        ("   ", "other", "name", "error.required"),
        ("律" * 65, "other", "name", "error.too_long"),
        ("居委会", "five", "party_group", "error.choice"),
    ]:
        with subtests.test(name=name, group=group):
            data = {"name": name, "party_group": group, "sort_order": 9, "active": True}
            error = refused(InvalidInput, "admin", records.create_record, kind="mediation_party", data=data)
            assert isinstance(error, InvalidInput)
            assert error.errors[field][0] == key
    assert len(listed_parties()) == 8


def test_a_retired_party_is_not_offered_for_new_mediations_but_stays_on_old_ones(
    world: World, frozen_clock: FrozenClock
) -> None:
    old = dispute(world)
    start(old, party_ids=party_ids("综治中心", "检察室"))
    retired = retire_party("检察室")
    assert retired.active is False

    new = dispute(world)
    with session_scope() as session:
        offered = mediation.mediation_panel(session=session, actor=actor_for(session, "staff"), reference=new).parties
        kept = mediation.mediation_panel(session=session, actor=actor_for(session, "staff"), reference=old).parties
    assert "检察室" not in [p.name for p in offered]
    assert "检察室" in [p.name for p in kept]  # so the old record's picker can still show it
    view = view_as("staff", old)
    assert view is not None and view.parties == ("综治中心", "检察室")
    # The old mediation may keep it while adding another; a new one may not name it.
    changed = act(
        "staff",
        mediation.set_parties,
        reference=old,
        expected_version=1,
        party_ids=party_ids("综治中心", "检察室", "法庭"),
    )
    assert changed.parties == ("综治中心", "法庭", "检察室")

    with session_scope(write=True) as session:  # brought back on its edit form
        edit_record(session, actor_for(session, "admin"), "mediation_party", retired.id or 0, active=True)
    assert start(new, party_ids=party_ids("检察室")).parties == ("检察室",)


def test_only_admins_keep_the_party_list(world: World, subtests: Subtests) -> None:
    party = party_ids("热心居民")[0]
    new = {"name": "街道调委会", "party_group": "other", "sort_order": 9, "active": True}
    for username in ("staff", "leader", "grid"):
        with subtests.test(username=username):
            refused(PermissionDenied, username, records.list_records, kind="mediation_party", query=Query())
            refused(PermissionDenied, username, records.create_record, kind="mediation_party", data=new)
            with pytest.raises(PermissionDenied), session_scope(write=True) as session:
                edit_record(session, actor_for(session, username), "mediation_party", party, active=False)
            refused(PermissionDenied, username, records.delete_record, kind="mediation_party", record_id=party)
    assert [p.active for p in listed_parties()] == [True] * 8
    with subtests.test("no such party"):
        refused(NotFound, "admin", records.delete_record, kind="mediation_party", record_id=987654)


def test_every_method_outcome_and_party_group_has_a_label_in_both_languages() -> None:
    for prefix, codes in {
        "mediation_method": MediationMethod,
        "mediation_outcome": MediationOutcome,
        "party_group": PartyGroup,
    }.items():
        for code in codes:
            assert has(f"{prefix}.{code.value}"), f"{prefix}.{code.value}"
            assert t(f"{prefix}.{code.value}", "zh") != t(f"{prefix}.{code.value}", "en")
