"""The import page (pages/case_import.py): staff upload a file and see what was imported and which rows were not;
large files go through the job queue with a progress bar; leaders and grid workers have no such page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis as redis_lib
from sqlmodel import col, func, select
from streamlit.testing.v1 import AppTest

from db.models import Case
from db.session import session_scope
from portal import queue
from portal.config import reset_settings
from portal.i18n import t
from tests.jobs.support import free_port, run_worker
from tests.pages.test_login import nav_titles

PAGE = "pages/case_import.py"
HEADER = "事件编号,诉求来源,诉求类别,所属社区,所属网格,上报时间,诉求人,联系电话,诉求内容,办理状态,办结时间,满意度"
SMALL = "\n".join(
    [
        HEADER,
        "PG-1,小兰平台,环境卫生,郑家台社区,郑家台社区第一网格,2026-03-05 14:22,刘女士,13912345678,楼道堆物,已受理,,",
        "PG-2,小兰平台,路灯,郑家台社区,,2026-03-05 14:22,,,路灯不亮,已受理,,",
        "PG-3,12345热线,矛盾纠纷,王家庄社区,,2026/3/6 9:05,张先生,12345,噪音扰民,,,",
    ]
).encode("gbk")


def large(rows: int = 2_001) -> bytes:
    lines = [HEADER] + [
        f"BIG-{n:05d},小兰平台,环境卫生,郑家台社区,,2026-03-05 14:22,,,楼道堆物,,," for n in range(rows)
    ]
    return "\n".join(lines).encode()


def count(prefix: str) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Case).where(col(Case.reference).startswith(prefix))).one()


def upload(at: AppTest, name: str, data: bytes, *, dry_run: bool = False) -> AppTest:
    at.file_uploader(key="case_import_file").upload(name, data, "text/csv").run()
    if dry_run:
        at.checkbox(key="case_import_dry_run").check().run()
    return next(b for b in at.button if b.label == t("import.start", "zh")).click().run()


def test_staff_imports_a_small_file_and_sees_each_rejected_row(logged_in: Callable[[str], AppTest]) -> None:
    at = upload(logged_in("staff").switch_page(PAGE).run(), "小兰导出.csv", SMALL)
    assert not at.exception, at.exception
    assert at.warning[0].value == t("import.done", "zh", imported=1, skipped=0, rejected=2)
    assert [m.value for m in at.metric] == ["1", "0", "2"]
    assert at.dataframe[0].value.to_dict("records") == [
        {"行号": 3, "列": "诉求类别", "问题": t("error.import_category", "zh", value="路灯")},
        {"行号": 4, "列": "联系电话", "问题": t("error.phone_format", "zh")},
    ]
    assert count("PG-") == 1
    again = next(b for b in at.button if b.label == t("import.start", "zh")).click().run()
    assert again.warning[0].value == t("import.done", "zh", imported=0, skipped=1, rejected=2)
    assert count("PG-") == 1


def test_a_dry_run_from_the_page_saves_nothing(logged_in: Callable[[str], AppTest]) -> None:
    at = upload(logged_in("admin").switch_page(PAGE).run(), "cases.csv", SMALL, dry_run=True)
    assert at.warning[0].value == t("import.dry_run_done", "zh", imported=1, skipped=0, rejected=2)
    assert count("PG-") == 0


def test_a_file_the_page_cannot_read_says_why(logged_in: Callable[[str], AppTest]) -> None:
    at = upload(logged_in("staff").switch_page(PAGE).run(), "cases.csv", "事件编号,诉求内容\nX,文本\n".encode())
    assert not at.exception
    assert at.error[0].value.startswith(t("import.file_missing_columns", "zh").split("{")[0])


def test_a_large_file_goes_to_the_queue_and_the_page_follows_it(
    logged_in: Callable[[str], AppTest], redis_conn: redis_lib.Redis
) -> None:
    at = upload(logged_in("staff").switch_page(PAGE).run(), "big.csv", large())
    assert at.info[0].value == t("import.queued", "zh", total=2_001)
    assert at.get("progress")  # the progress bar, polling the job
    assert count("BIG-") == 0  # nothing happens in the page itself
    run_worker(redis_conn)
    at.run()  # the next poll finds the job over and shows its result
    assert not at.exception, at.exception
    assert at.success[0].value == t("import.done", "zh", imported=2_001, skipped=0, rejected=0)
    assert count("BIG-") == 2_001


def test_with_redis_down_a_large_file_is_refused_clearly(
    logged_in: Callable[[str], AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = logged_in("staff").switch_page(PAGE).run()
    monkeypatch.setenv("PORTAL_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    reset_settings()
    queue.reset_connections()
    at = upload(at, "big.csv", large())
    assert at.error[0].value.startswith(t("import.redis_down", "zh").split("{")[0])
    assert str(2_000) in at.error[0].value  # it says how small a file must be to import directly
    assert count("BIG-") == 0
    small = upload(at, "small.csv", SMALL)  # small files are still imported directly
    assert small.warning[0].value == t("import.done", "zh", imported=1, skipped=0, rejected=2)


def test_a_file_over_20_mb_is_refused(logged_in: Callable[[str], AppTest]) -> None:
    at = upload(logged_in("staff").switch_page(PAGE).run(), "huge.csv", SMALL + b" " * (20 * 1024 * 1024))
    assert at.error[0].value == t("import.too_large", "zh", limit=20)
    assert count("PG-") == 0


@pytest.mark.parametrize(("username", "listed"), [("staff", True), ("admin", True), ("leader", False), ("grid", False)])
def test_only_staff_and_admins_have_the_import_page(
    username: str, listed: bool, logged_in: Callable[[str], AppTest]
) -> None:
    assert (t("page.case_import", "zh") in nav_titles(logged_in(username))) is listed
