"""The export panel under the case list (portal/widgets/case_export.py): the filtered list as a file.

Small lists are offered as three download buttons (the browser test clicks one for real); a list over the
direct limit is written by a worker with a progress bar, and the file holds exactly the listed cases.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import redis as redis_lib
from streamlit.testing.v1 import AppTest

from portal import defaults
from portal.i18n import t
from portal.services.case_export import FORMATS
from portal.widgets.case_export import READY_KEY
from tests.jobs.support import run_worker

PAGE = "pages/cases.py"


def listed_total(at: AppTest) -> int:
    """The count the list's caption shows (共 N 件 · ...)."""
    caption = next(c.value for c in at.caption if c.value.startswith("共 "))
    return int(caption.split()[1].replace(",", ""))


def button(at: AppTest, key: str) -> AppTest:
    return next(b for b in at.button if b.label == t(key, "zh"))


def test_a_small_list_offers_each_format_for_download(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("leader").switch_page(PAGE).run()
    at.multiselect(key="cases_status").select("received").run()  # a short list: under the direct limit
    assert listed_total(at) <= defaults.EXPORT_DIRECT_MAX_ROWS
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [t("export.download", "zh", format=t(f"export.format.{f}", "zh")) for f in FORMATS]
    assert not [b for b in at.button if b.label == t("export.start", "zh")]  # no job for a small list


def test_a_large_list_is_written_by_a_worker_and_holds_exactly_the_listed_cases(
    logged_in: Callable[[str], AppTest], redis_conn: redis_lib.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(defaults, "EXPORT_DIRECT_MAX_ROWS", 10)  # the demo's lists are small; make them "large"
    at = logged_in("leader").switch_page(PAGE).run()
    at.selectbox(key="cases_period").set_value("this_year").run()
    total = listed_total(at)
    assert total > 10
    assert not at.get("download_button")
    at = button(at, "export.start").click().run()
    assert not at.exception, at.exception
    assert at.get("progress")  # the page polls the queued job
    run_worker(redis_conn)
    at.run()
    assert not at.exception, at.exception
    assert at.success[0].value == t("export.ready", "zh", rows=total)
    assert [b.proto.label for b in at.get("download_button")] == [
        t("export.download", "zh", format=t("export.format.csv", "zh"))
    ]
    ready = at.session_state[READY_KEY]
    rows = list(csv.DictReader(io.StringIO(Path(ready["path"]).read_bytes().decode("utf-8-sig"))))
    assert len(rows) == total
    phones = [r["联系电话"] for r in rows if r["联系电话"]]
    assert phones and all("****" in p for p in phones)  # a leader's export masks reporters' phones

    at.selectbox(key="cases_period").set_value("this_month").run()  # the file now holds an earlier selection
    assert at.warning[0].value == t("export.stale", "zh")


def test_the_worker_writes_open311_json_for_a_large_list(
    logged_in: Callable[[str], AppTest], redis_conn: redis_lib.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(defaults, "EXPORT_DIRECT_MAX_ROWS", 10)
    at = logged_in("staff").switch_page(PAGE).run()
    total = listed_total(at)
    at.radio(key="cases_export_fmt").set_value("open311").run()
    at = button(at, "export.start").click().run()
    run_worker(redis_conn)
    at.run()
    ready = at.session_state[READY_KEY]
    assert ready["file_name"].endswith(".json")
    requests = json.loads(Path(ready["path"]).read_text("utf-8"))
    assert len(requests) == total
    assert {r["status"] for r in requests} <= {"open", "closed"}
