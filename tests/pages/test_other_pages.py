"""Activities, Jobs and Users pages: what staff and admins do there, and what they are refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlmodel import func, select
from streamlit.testing.v1 import AppTest

from db.models import Activity, Notification, User
from db.session import session_scope
from portal import clock
from portal.i18n import t
from portal.services import users

ACTIVITIES = "pages/activities.py"
JOBS = "pages/jobs.py"
ADMIN = "pages/admin_users.py"


def activity_count() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Activity)).one()


def fill_activity(at: AppTest, *, kind: str, participants: int, partners: str = "") -> AppTest:
    form = at.main
    form.selectbox[0].set_value(kind)
    inputs = {ti.label: ti for ti in form.text_input}
    inputs[t("activity.title", "zh")].input("高层住宅火灾联合应急救援演练")
    inputs[t("activity.organiser", "zh")].input("皋兰路街道安全生产办公室")
    inputs[t("activity.location", "zh")].input("榆中街社区广场")
    inputs[t("activity.partners", "zh")].input(partners)
    form.number_input[0].set_value(participants)
    return next(b for b in form.button if b.label == t("activity.save", "zh")).click().run()


def test_staff_logs_a_joint_drill_and_it_is_listed(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("staff").switch_page(ACTIVITIES).run()
    before = activity_count()
    fill_activity(at, kind="joint_rescue_drill", participants=60, partners="城关区消防救援大队、皋兰路派出所")
    assert activity_count() == before + 1
    assert at.success[0].value == t("activity.saved", "zh", title="高层住宅火灾联合应急救援演练")
    listed = at.main.dataframe[0].value
    assert listed.iloc[0][t("activity.title", "zh")] == "高层住宅火灾联合应急救援演练"
    assert listed.iloc[0][t("activity.partners", "zh")] == "城关区消防救援大队、皋兰路派出所"


def test_negative_participants_and_missing_partners_are_refused(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("staff").switch_page(ACTIVITIES).run()
    before = activity_count()
    fill_activity(at, kind="joint_rescue_drill", participants=-5)
    assert activity_count() == before
    assert at.error[0].value == t("error.invalid_input", "zh", count=2)
    notes = " ".join(c.value for c in at.caption)
    assert t("error.partners_required", "zh") in notes
    assert t("error.too_small", "zh", limit=0) in notes


def test_leader_reads_the_log_but_cannot_add_to_it(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("leader").switch_page(ACTIVITIES).run()
    assert not at.main.button  # no entry form
    assert len(at.main.dataframe[0].value) == activity_count()


def test_jobs_page_shows_queue_health_and_failed_notifications(logged_in: Callable[[str], AppTest]) -> None:
    with session_scope() as session:
        session.add(
            Notification(
                kind="case_overdue",
                target="case:1",
                day=clock.today(),
                recipient="nobody@example.org",
                subject="x",
                status="failed",
                error="550 no such user",
                created_at=clock.now(),
            )
        )
        # A claim whose sender died before recording the outcome: a person must check it.
        session.add(
            Notification(
                kind="case_overdue",
                target="case:2",
                day=clock.today(),
                recipient="a@example.org",
                subject="y",
                status="claimed",
                created_at=clock.now() - timedelta(hours=3),
            )
        )
    at = logged_in("staff").switch_page(JOBS).run()
    assert not at.exception
    assert t("jobs.stuck_claims", "zh", count=1) in [w.value for w in at.warning]
    labels = {m.label: m.value for m in at.metric}
    assert labels[t("jobs.workers", "zh")] == "0"
    assert t("jobs.no_worker", "zh") in [w.value for w in at.warning]
    scheduled = at.main.dataframe[0].value
    assert list(scheduled[t("jobs.name", "zh")]) == [t("job.overdue-reminders", "zh")]
    notifications = at.main.dataframe[-1].value
    assert "550 no such user" in list(notifications[t("jobs.error", "zh")])


def test_jobs_page_says_when_redis_is_down(logged_in: Callable[[str], AppTest], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from portal import queue
    from portal.config import reset_settings

    at = logged_in("staff")
    monkeypatch.setenv("PORTAL_REDIS_URL", "redis://127.0.0.1:1/0")
    reset_settings()
    queue.reset_connections()
    at.switch_page(JOBS).run()
    assert at.error[0].value.startswith(t("jobs.redis_down", "zh").split("{")[0])
    assert not at.exception


def test_admin_unlocks_a_locked_account(logged_in: Callable[[str], AppTest]) -> None:
    with session_scope(write=True) as session:
        for _ in range(5):
            users.record_failed_login(session=session, username="staff")
    at = logged_in("admin").switch_page(ADMIN).run()
    table = at.main.dataframe[0].value.set_index(t("user.username", "zh"))
    assert table.loc["staff", t("user.locked_until", "zh")] != ""
    at.selectbox(key="admin_pick").set_value("staff").run()
    next(b for b in at.main.button if b.label == t("user.unlock", "zh")).click().run()
    assert at.success[0].value == t("user.unlocked", "zh", username="staff")
    with session_scope() as session:
        staff = session.exec(select(User).where(User.username == "staff")).one()
        assert staff.locked_until is None and staff.failed_logins == 0


def test_admin_adds_a_user_and_bad_input_names_the_fields(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("admin").switch_page(ADMIN).run()
    inputs = {ti.label: ti for ti in at.main.text_input}
    inputs[t("user.username", "zh")].input("Bad Name")
    inputs[t("user.password", "zh")].input("short")
    next(b for b in at.main.button if b.label == t("user.create", "zh")).click().run()
    notes = " ".join(c.value for c in at.caption)
    assert t("error.username_format", "zh") in notes and t("error.password_short", "zh", min=8) in notes
    inputs = {ti.label: ti for ti in at.main.text_input}
    inputs[t("user.username", "zh")].input("gw.new")
    inputs[t("user.display_name", "zh")].input("新网格员")
    inputs[t("user.password", "zh")].input("a-long-password")
    next(b for b in at.main.button if b.label == t("user.create", "zh")).click().run()
    assert at.success[0].value == t("user.created", "zh", username="gw.new")
    with session_scope() as session:
        assert session.exec(select(User).where(User.username == "gw.new")).one().display_name == "新网格员"
