"""Cases: a grid worker's list holds only their grid; register validates; the detail page handles the workflow."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import col, func, select
from streamlit.testing.v1 import AppTest

from db.models import Case, CaseHistory, Category, Mediation
from db.session import session_scope
from portal.i18n import t
from portal.services import cases
from portal.services.cases import CaseFilters
from tests.helpers import actor_for, create_case, node

CASES = "pages/cases.py"
NEW = "pages/case_new.py"
DETAIL = "pages/case_detail.py"


def case_count() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Case)).one()


def table(at: AppTest) -> list[dict[str, object]]:
    return at.dataframe[0].value.to_dict("records")


def open_case(at: AppTest, reference: str) -> AppTest:
    at.switch_page(DETAIL)
    at.query_params["ref"] = reference
    return at.run()


def test_grid_worker_list_holds_only_their_grid(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("grid").switch_page(CASES).run()
    with session_scope() as session:
        expected = cases.list_cases(session=session, actor=actor_for(session, "grid"), filters=CaseFilters())
    assert expected.total > 0
    assert at.caption[0].value == t("cases.count", "zh", total=expected.total, page=1, pages=expected.pages)
    orgs = {row[t("case.org", "zh")] for row in table(at)}
    assert orgs == {"郑家台社区第一网格"}
    assert at.selectbox(key="cases_org").options == ["郑家台社区第一网格"]


def test_leader_sees_masked_phones_in_the_list(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("leader").switch_page(CASES).run()
    phones = [str(row[t("case.reporter_phone", "zh")]) for row in table(at)]
    assert phones and all("****" in p for p in phones if p)


def test_filters_narrow_the_list(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("staff").switch_page(CASES).run()
    at.selectbox(key="cases_due").set_value("overdue").run()
    rows = table(at)
    red = f"🔴 {t('sla.red', 'zh')}"
    assert rows and all(row[t("case.sla", "zh")] == red for row in rows)
    with session_scope() as session:
        overdue = cases.list_cases(
            session=session, actor=actor_for(session, "staff"), filters=CaseFilters(overdue=True)
        )
    assert len(rows) == overdue.total
    at.selectbox(key="cases_due").set_value("any")
    at.text_input(key="cases_search").input("XL-").run()
    assert all(str(row[t("case.reference", "zh")]).startswith("XL-") for row in table(at))


def test_assignee_filter_and_urgency_sort(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("staff").switch_page(CASES).run()
    with session_scope() as session:
        grid = actor_for(session, "grid")
        expected = cases.list_cases(
            session=session, actor=actor_for(session, "staff"), filters=CaseFilters(assignee_id=grid.user_id)
        )
    at.selectbox(key="cases_assignee").set_value(grid.user_id).run()
    rows = table(at)
    assert {row[t("case.assignee", "zh")] for row in rows} == {grid.display_name}
    assert at.caption[0].value.startswith(t("cases.count", "zh", total=expected.total, page=1, pages=expected.pages))
    at.selectbox(key="cases_assignee").set_value(None)
    at.selectbox(key="cases_sort").set_value("due").run()
    marks = [row[t("case.sla", "zh")] for row in table(at)]
    running = [m for m in marks if m]
    assert running and marks[: len(running)] == running  # the cases with a running clock come first
    assert running[0].startswith("🔴")  # and the most overdue of them at the top


def test_staff_registers_a_case_and_it_is_saved(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("staff").switch_page(NEW).run()
    before = case_count()
    with session_scope() as session:
        grid = node(session, "王家庄社区第二网格")
    at.selectbox(key="new_org_0").set_value(grid.id).run()
    at.text_area[0].input("王家庄小区3号楼下水道堵塞，污水外溢")
    at.text_input[1].input("0931-8123456")
    at.main.button[0].click().run()
    assert case_count() == before + 1
    message = at.success[0].value
    reference = message.split(" ")[-1].rstrip("。") if " " in message else message[4:-1]
    with session_scope() as session:
        saved = session.exec(select(Case).order_by(Case.id.desc())).first()  # type: ignore[union-attr]
    assert saved is not None and saved.reference in message
    assert saved.org_id == grid.id and saved.reporter_phone == "0931-8123456"
    assert reference


def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("grid").switch_page(NEW).run()
    before = case_count()
    at.text_input[1].input("12345")  # not a phone number
    at.main.button[0].click().run()  # description left empty
    assert case_count() == before
    assert at.error[0].value == t("error.invalid_input", "zh", count=2)
    notes = [c.value for c in at.caption]
    assert any(t("error.phone_format", "zh") in n for n in notes)
    assert any(t("error.required", "zh") in n for n in notes)


def test_user_text_is_shown_as_text_not_markup(logged_in: Callable[[str], AppTest]) -> None:
    text = "<script>alert(1)</script> **粗体** [链接](http://example.com)"
    with session_scope(write=True) as session:
        reference = create_case(session, actor_for(session, "staff"), description=text)
    at = open_case(logged_in("staff"), reference)
    assert text in [el.value for el in at.text]
    assert not any(text in el.value for el in at.markdown)


def save_move(at: AppTest) -> AppTest:
    return next(b for b in at.main.button if b.label == t("case.save_status", "zh")).click().run()


def test_a_grid_worker_takes_a_small_matter_from_report_to_close_in_the_page(
    logged_in: Callable[[str], AppTest],
) -> None:
    with session_scope(write=True) as session:
        reference = create_case(session, actor_for(session, "grid"))
    at = open_case(logged_in("grid"), reference)
    radio = at.radio(key=f"move_to_{reference}")
    assert radio.options == [t("status.accepted", "zh")]  # a grid worker cannot reject: staff decide that
    save_move(at)
    assert at.success[0].value == t("case.status_saved", "zh", status=t("status.accepted", "zh"))
    save_move(at)  # dispatched: the routing rules give the grid's cases to its own grid worker
    save_move(at)  # in progress
    at.radio(key=f"move_to_{reference}").set_value("resolved").run()
    at.main.text_area[0].input("已联系物业清理楼道")
    save_move(at)
    satisfaction = next(r for r in at.main.radio if r.label == t("field.satisfaction", "zh"))
    satisfaction.set_value("satisfied")
    save_move(at)
    with session_scope() as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
    assert (case.status, case.close_reason, case.satisfaction) == ("closed", "resolved", "satisfied")
    assert case.assignee_id == actor_for_id("grid") and case.resolution == "已联系物业清理楼道"
    history = at.dataframe[-1].value
    assert list(history[t("history.action", "zh")]) == [t("action.created", "zh")] + [t("action.status", "zh")] * 5
    assert "王磊" in " ".join(history[t("history.changes", "zh")])  # the dispatch named the handler


def test_a_move_missing_what_it_needs_is_refused_with_the_reason(logged_in: Callable[[str], AppTest]) -> None:
    with session_scope(write=True) as session:
        reference = create_case(session, actor_for(session, "staff"))
    at = open_case(logged_in("staff"), reference)
    at.radio(key=f"move_to_{reference}").set_value("rejected").run()
    save_move(at)  # no reason given
    assert t("error.reason_required", "zh") in at.error[0].value
    with session_scope() as session:
        assert session.exec(select(Case.status).where(Case.reference == reference)).one() == "received"


def test_staff_escalate_and_the_level_changes(logged_in: Callable[[str], AppTest]) -> None:
    with session_scope(write=True) as session:
        reference = create_case(session, actor_for(session, "staff"))
    at = open_case(logged_in("staff"), reference)
    reason = next(a for a in at.main.text_area if a.label == t("case.escalate_reason", "zh"))
    reason.input("涉及多个网格，需要社区协调")
    next(b for b in at.main.button if b.label == t("case.escalate_save", "zh")).click().run()
    assert at.success[0].value == t("case.escalated", "zh")
    level = next(m.value for m in at.metric if m.label == t("case.level", "zh"))
    assert level == t("level.community", "zh")


def test_leader_reads_a_case_without_workflow_buttons_or_full_phone(logged_in: Callable[[str], AppTest]) -> None:
    with session_scope(write=True) as session:
        reference = create_case(session, actor_for(session, "staff"), reporter_phone="13912345678")
    at = open_case(logged_in("leader"), reference)
    assert not at.main.radio and not at.main.button
    facts = at.dataframe[0].value
    assert "139****5678" in list(facts[t("case.value", "zh")])
    assert "13912345678" not in list(facts[t("case.value", "zh")])


def test_second_save_of_the_same_case_is_refused_and_names_who_changed_it(
    logged_in: Callable[[str], AppTest],
) -> None:
    with session_scope(write=True) as session:
        reference = create_case(session, actor_for(session, "grid"))
    first = open_case(logged_in("grid"), reference)
    second = open_case(logged_in("staff"), reference)  # both have the case open at version 1
    save_move(first)  # the grid worker accepts it
    save_move(second)  # the staff member, still looking at version 1, presses Save on "accepted" too
    assert "王磊" in second.error[0].value  # the grid worker's display name
    with session_scope() as session:
        assert session.exec(select(Case.status).where(Case.reference == reference)).one() == "accepted"
        case_id = session.exec(select(Case.id).where(Case.reference == reference)).one()
        actions = session.exec(select(CaseHistory.action).where(CaseHistory.case_id == case_id)).all()
    assert actions == ["created", "status"]


def actor_for_id(username: str) -> int | None:
    with session_scope() as session:
        return actor_for(session, username).user_id


def page_text(at: AppTest) -> str:
    """Everything the page shows as text: headings, captions, text, metrics and table cells."""
    parts = [el.value for el in (*at.subheader, *at.caption, *at.markdown, *at.text)]
    parts += [str(m.value) for m in at.metric]
    parts += [str(v) for df in at.dataframe for v in df.value.to_numpy().ravel()]
    return "\n".join(str(p) for p in parts)


def test_a_dispute_case_shows_its_mediation_and_other_cases_do_not(logged_in: Callable[[str], AppTest]) -> None:
    with session_scope() as session:
        dispute = session.exec(select(Case.reference).join(Mediation, col(Mediation.case_id) == Case.id)).first()
        other = session.exec(
            select(Case.reference)
            .join(Category, col(Category.id) == Case.category_id)
            .where(Category.name != "矛盾纠纷")
        ).first()
    at = open_case(logged_in("leader"), str(dispute))
    assert t("mediation.title", "zh") in [h.value for h in at.subheader]
    assert "综治中心" in page_text(at)  # the demo's mediations are led by the governance centre (the "1")
    at = open_case(logged_in("leader"), str(other))
    assert t("mediation.title", "zh") not in [h.value for h in at.subheader]
