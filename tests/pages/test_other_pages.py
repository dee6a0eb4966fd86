"""The Jobs page: what staff see there (the accounts page is tested in test_admin_users.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from streamlit.testing.v1 import AppTest

from db.models import Notification
from db.session import session_scope
from portal import clock
from portal.i18n import t

JOBS = "pages/jobs.py"


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
    assert list(scheduled[t("jobs.name", "zh")]) == [
        t("job.overdue-reminders", "zh"),
        t("job.activity-reminders", "zh"),
        t("job.weekly-summary", "zh"),
    ]
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
