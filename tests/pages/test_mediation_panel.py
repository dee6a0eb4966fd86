"""The mediation panel of the case page, driven through AppTest: start, record a session, conclude; refusals."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlmodel import col, func, select
from streamlit.testing.v1 import AppTest

from db.models import Case, CaseHistory, Mediation, MediationParty
from db.session import session_scope
from portal import clock
from portal.i18n import t
from portal.services import mediation
from portal.services.mediation import MediationView
from tests.helpers import actor_for, category, create_case

E = TypeVar("E")


def panel_app(actor, reference):  # unannotated: AppTest runs this body as a script of its own, without our imports
    from portal import ui
    from portal.widgets.mediation import render_mediation

    ui.show_flash()  # as the case page does, above the panel
    render_mediation(actor, reference)


def open_panel(username: str, reference: str) -> AppTest:
    """The panel as `username` sees it (a fresh browser session)."""
    with session_scope() as session:
        actor = actor_for(session, username)
    return AppTest.from_function(panel_app, args=(actor, reference), default_timeout=60).run()


def labelled(elements: Iterable[E], key: str) -> E:
    """The widget whose label is the catalogue's (Chinese) text for `key`."""
    text = t(key, "zh")
    return next(e for e in elements if getattr(e, "label", None) == text)


def press(at: AppTest, key: str) -> AppTest:
    labelled(at.button, key).click()
    return at.run()


def dispute(category_name: str = "矛盾纠纷") -> str:
    with session_scope(write=True) as session:
        return create_case(
            session,
            actor_for(session, "grid"),
            category_id=category(session, category_name).id,
            description="相邻两户因共用楼道堆放杂物发生争吵",
        )


def party_ids(*names: str) -> list[int]:
    with session_scope() as session:
        ids = {name: party_id or 0 for name, party_id in session.exec(select(MediationParty.name, MediationParty.id))}
    return [ids[name] for name in names]


def call(username: str, change: Any, **kwargs: Any) -> MediationView:
    with session_scope(write=True) as session:
        return change(session=session, actor=actor_for(session, username), **kwargs)


def record(reference: str) -> MediationView | None:
    with session_scope() as session:
        return mediation.get_mediation(session=session, actor=actor_for(session, "staff"), reference=reference)


def facts(at: AppTest) -> dict[str, str]:
    table = at.dataframe[0].value
    return dict(zip(table[t("case.field", "zh")], table[t("case.value", "zh")], strict=True))


def test_staff_start_a_mediation_record_a_session_and_conclude_with_an_agreement(demo_database: str) -> None:
    reference = dispute()
    at = open_panel("staff", reference)
    assert at.subheader[0].value == t("mediation.title", "zh")
    assert at.info[0].value == t("mediation.none", "zh")
    parties = labelled(at.multiselect, "mediation.parties")
    assert parties.value == party_ids("综治中心")  # "1": the governance centre leads, chosen already

    labelled(at.selectbox, "mediation.method").set_value("telephone")
    parties.set_value(party_ids("综治中心", "派出所"))
    labelled(at.checkbox, "mediation.pre_litigation").check()
    at = press(at, "mediation.start")
    assert not at.exception, at.exception
    assert at.success[0].value == t("mediation.start_saved", "zh")
    saved = record(reference)
    assert saved is not None
    assert (saved.method, saved.parties, saved.pre_litigation) == ("telephone", ("综治中心", "派出所"), True)
    shown = facts(at)
    assert shown[t("mediation.method", "zh")] == t("mediation_method.telephone", "zh")
    assert shown[t("mediation.parties", "zh")] == "综治中心、派出所"
    assert shown[t("mediation.pre_litigation", "zh")] == t("mediation.yes", "zh")
    assert shown[t("mediation.outcome", "zh")] == t("mediation.under_way", "zh")
    assert t("mediation.no_sessions", "zh") in [el.value for el in at.text]

    notes = "双方到场，约定三日内各自清理楼道杂物"
    labelled(at.selectbox, "mediation.method").set_value("face_to_face")
    labelled(at.text_area, "mediation.notes").input(notes)
    at = press(at, "mediation.add_session")
    today = clock.today()
    assert at.success[0].value == t("mediation.session_saved", "zh", day=today.isoformat())
    rows = at.dataframe[1].value.to_dict("records")
    assert rows == [
        {
            t("mediation.held_on", "zh"): today.isoformat(),
            t("mediation.method", "zh"): t("mediation_method.face_to_face", "zh"),
            t("mediation.notes", "zh"): notes,
            t("mediation.recorded_by", "zh"): actor_name("staff"),
        }
    ]
    assert labelled(at.text_area, "mediation.notes").value == ""  # a fresh form for the next session

    agreement = "双方同意：杂物于周五前清走，楼道此后保持畅通。"
    labelled(at.radio, "mediation.outcome").set_value("agreement")
    labelled(at.text_area, "mediation.agreement_text").input(agreement)
    at = press(at, "mediation.conclude")
    expected = t("mediation.concluded_saved", "zh", outcome=t("mediation_outcome.agreement", "zh"))
    assert at.success[0].value == expected
    saved = record(reference)
    assert saved is not None
    assert (saved.outcome, saved.agreement_text, saved.concluded_on) == ("agreement", agreement, today)
    assert facts(at)[t("mediation.outcome", "zh")] == t("mediation_outcome.agreement", "zh")
    assert agreement in [el.value for el in at.text]
    assert len(at.button) == 0 and len(at.text_area) == 0  # concluded: nothing left to change


def test_bad_input_shows_the_message_under_the_field_and_saves_nothing(demo_database: str) -> None:
    reference = dispute()
    at = open_panel("grid", reference)
    labelled(at.multiselect, "mediation.parties").set_value([])
    at = press(at, "mediation.start")
    assert not at.exception, at.exception
    assert at.error[0].value == t("error.invalid_input", "zh", count=1)
    assert any(t("error.parties_required", "zh") in c.value for c in at.caption)
    assert record(reference) is None
    assert labelled(at.button, "mediation.start")  # the form is still there to put right

    call("grid", mediation.start_mediation, reference=reference, method="online", party_ids=party_ids("综治中心"))
    at = open_panel("grid", reference)
    at = press(at, "mediation.add_session")  # notes left empty
    assert at.error[0].value == t("error.invalid_input", "zh", count=1)
    assert any(t("error.required", "zh") in c.value for c in at.caption)
    labelled(at.radio, "mediation.outcome").set_value("agreement")
    at = press(at, "mediation.conclude")  # an agreement without its text
    assert any(t("error.agreement_required", "zh") in c.value for c in at.caption)
    saved = record(reference)
    assert saved is not None and saved.version == 1 and saved.sessions == () and saved.outcome is None
    assert not at.success


def test_a_change_saved_meanwhile_by_someone_else_is_not_overwritten(demo_database: str) -> None:
    reference = dispute()
    call("staff", mediation.start_mediation, reference=reference, method="telephone", party_ids=party_ids("综治中心"))
    at = open_panel("staff", reference)  # staff see version 1 ...
    call(  # ... while the grid worker records a session
        "grid",
        mediation.add_session,
        reference=reference,
        expected_version=1,
        held_on=clock.today(),
        method="telephone",
        notes="网格员电话联系双方",
    )
    labelled(at.text_area, "mediation.notes").input("工作人员的记录")
    at = press(at, "mediation.add_session")
    assert at.error[0].value == t("error.mediation_conflict", "zh", who=actor_name("grid"), when=last_change(reference))
    assert sessions_saved_for(reference) == ["网格员电话联系双方"]
    # The panel now shows what the grid worker saved; saving again is judged against that, and goes through.
    assert at.dataframe[1].value[t("mediation.notes", "zh")].tolist() == ["网格员电话联系双方"]
    at = press(at, "mediation.add_session")
    assert at.success[0].value == t("mediation.session_saved", "zh", day=clock.today().isoformat())
    assert sessions_saved_for(reference) == ["网格员电话联系双方", "工作人员的记录"]


def test_a_leader_sees_the_record_as_plain_text_and_no_forms(demo_database: str) -> None:
    reference = dispute()
    text = "<b>x</b> **y**"
    call("staff", mediation.start_mediation, reference=reference, method="round_table", party_ids=party_ids("综治中心"))
    call(
        "staff",
        mediation.add_session,
        reference=reference,
        expected_version=1,
        held_on=clock.today(),
        method="round_table",
        notes="圆桌议事会 <i>协商</i>",
    )
    call(
        "staff",
        mediation.conclude,
        reference=reference,
        expected_version=2,
        outcome="agreement",
        agreement_text=text,
        concluded_on=clock.today(),
    )
    at = open_panel("leader", reference)
    assert not at.exception, at.exception
    assert facts(at)[t("mediation.method", "zh")] == t("mediation_method.round_table", "zh")
    assert text in [el.value for el in at.text]
    assert not any(text in el.value or "<b>" in el.value for el in [*at.markdown, *at.caption])
    assert at.dataframe[1].value[t("mediation.notes", "zh")].tolist() == ["圆桌议事会 <i>协商</i>"]
    assert len(at.button) == 0
    assert not (at.text_area or at.selectbox or at.multiselect or at.radio or at.date_input)


def test_a_case_that_is_not_a_dispute_gets_no_panel(demo_database: str) -> None:
    at = open_panel("staff", dispute("环境卫生"))
    assert not at.exception, at.exception
    assert not at.subheader and not at.button and not at.info
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Mediation)).one() > 0  # the demo's, untouched


def actor_name(username: str) -> str:
    with session_scope() as session:
        return actor_for(session, username).display_name


def last_change(reference: str) -> str:
    """When the case's newest history row was written, as the office's wall clock shows it."""
    with session_scope() as session:
        at = session.exec(
            select(CaseHistory.at).join(Case).where(Case.reference == reference).order_by(col(CaseHistory.id).desc())
        ).first()
    assert at is not None
    return clock.as_utc(at).astimezone(clock.local_tz()).strftime("%Y-%m-%d %H:%M")


def sessions_saved_for(reference: str) -> list[str]:
    saved = record(reference)
    assert saved is not None
    return [s.notes for s in saved.sessions]
