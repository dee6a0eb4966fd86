"""Activity pages: each kind's generated page (staff log, leaders read) and the overview (pages/activities.py)
with the next 30 days and this year's progress against the annual targets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from sqlmodel import func, select
from streamlit.testing.v1 import AppTest

from db.models import Activity
from db.session import session_scope
from portal import clock
from portal.i18n import label, t
from portal.services import activities
from tests.helpers import actor_for, node
from tests.pages.conftest import open_url, widget

OVERVIEW = "pages/activities.py"
NEW = "lc_joint_rescue_drill_new_0"


def activity_count() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Activity)).one()


def fill_drill(at: AppTest, *, participants: int, partners: str = "", ends: time = time(11, 0)) -> AppTest:
    day = clock.today() + timedelta(days=2)
    widget(at.text_input, f"{NEW}_title").input("高层住宅火灾联合应急救援演练")
    widget(at.date_input, f"{NEW}_starts_at_day").set_value(day)
    widget(at.time_input, f"{NEW}_starts_at_time").set_value(time(9, 30))
    widget(at.date_input, f"{NEW}_ends_at_day").set_value(day)
    widget(at.time_input, f"{NEW}_ends_at_time").set_value(ends)
    with session_scope() as session:
        widget(at.selectbox, f"{NEW}_org_id").select(node(session, "榆中街社区").id)
    widget(at.text_input, f"{NEW}_organiser").input("皋兰路街道安全生产办公室")
    widget(at.text_input, f"{NEW}_partner_units").input(partners)
    widget(at.text_input, f"{NEW}_location").input("榆中街社区广场")
    widget(at.number_input, f"{NEW}_participants").set_value(participants)
    return next(b for b in at.button if b.label == t("records.save", "zh")).click().run()


def test_staff_logs_a_joint_drill_on_its_page_and_it_is_listed(logged_in: Callable[[str], AppTest]) -> None:
    at = open_url(logged_in("staff"), "joint_rescue_drill")
    before = activity_count()
    fill_drill(at, participants=60, partners="城关区消防救援大队、皋兰路派出所")
    assert not at.exception, at.exception
    assert activity_count() == before + 1
    assert at.success[0].value == t("records.saved", "zh")
    listed = at.main.dataframe[0].value
    first = listed.iloc[0]
    assert first[t("activity.title", "zh")] == "高层住宅火灾联合应急救援演练"
    assert first[t("activity.partners", "zh")] == "城关区消防救援大队、皋兰路派出所"
    assert first[t("activity.org", "zh")] == "榆中街社区"
    assert first[t("activity.starts_at", "zh")] == f"{clock.today() + timedelta(days=2)} 09:30"


def test_bad_drill_input_is_refused_field_by_field_and_nothing_saved(logged_in: Callable[[str], AppTest]) -> None:
    at = open_url(logged_in("staff"), "joint_rescue_drill")
    before = activity_count()
    fill_drill(at, participants=-5, ends=time(9, 0))
    assert activity_count() == before
    assert at.error[0].value == t("error.invalid_input", "zh", count=3)
    notes = " ".join(c.value for c in at.caption)
    for message in (
        t("error.required", "zh"),
        t("error.too_small", "zh", limit=0),
        t("error.ends_before_starts", "zh"),
    ):
        assert message in notes


def test_leader_reads_each_kind_but_cannot_log(logged_in: Callable[[str], AppTest]) -> None:
    at = open_url(logged_in("leader"), "publicity")
    assert not at.exception, at.exception
    assert t("records.save", "zh") not in [b.label for b in at.button]
    assert t("records.update", "zh") not in [b.label for b in at.button if not b.disabled]
    assert at.main.dataframe[0].value.shape[0] == 15  # the demo's publicity events


def test_overview_shows_the_next_30_days_and_progress_against_targets(logged_in: Callable[[str], AppTest]) -> None:
    tomorrow = datetime.combine(clock.today() + timedelta(days=1), time(9, 0), tzinfo=clock.local_tz())
    with session_scope(write=True) as session:
        activities.create_activity(
            session=session,
            actor=actor_for(session, "staff"),
            data={
                "kind": "emergency_drill",
                "title": "防汛应急演练",
                "starts_at": tomorrow,
                "org_id": node(session, "王家庄社区").id,
                "organiser": "王家庄社区居委会",
                "location": "王家庄社区广场",
                "participants": 30,
            },
        )
    at = logged_in("leader").switch_page(OVERVIEW).run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric] == [label("activity", k, "zh") for k in activities.ActivityKind]
    assert all(" / " in m.value for m in at.metric)
    upcoming = at.main.dataframe[0].value
    assert list(upcoming[t("activity.title", "zh")]) == ["防汛应急演练"]
    assert list(upcoming[t("activity.org", "zh")]) == ["王家庄社区"]
