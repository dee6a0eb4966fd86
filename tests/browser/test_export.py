"""A real download in Chromium: the case list's CSV export holds the listed cases, with masked phones for a leader."""

from __future__ import annotations

import csv
import io
import re

import pytest

from portal.i18n import t
from tests.browser.conftest import Portal
from tests.browser.test_smoke import LOGIN_TIMEOUT, NewContext, _expect, log_in, settle

pytestmark = pytest.mark.browser


def test_leader_downloads_the_case_list_as_csv(portal: Portal, new_context: NewContext) -> None:
    expect = _expect()
    page = new_context(accept_downloads=True).new_page()
    log_in(page, portal, "leader")
    settle(page)
    page.get_by_test_id("stSidebarNav").get_by_text(t("page.cases", "zh"), exact=True).click()
    caption = page.get_by_text(re.compile(r"^共 \d+ 件"))
    expect(caption).to_be_visible(timeout=LOGIN_TIMEOUT)
    listed = int(re.search(r"共 (\d+) 件", caption.inner_text()).group(1))  # type: ignore[union-attr]
    settle(page)
    page.get_by_text(t("export.title", "zh"), exact=True).click()
    label = t("export.download", "zh", format=t("export.format.csv", "zh"))
    with page.expect_download(timeout=LOGIN_TIMEOUT) as download:
        page.get_by_role("button", name=label).click()
    assert download.value.suggested_filename.startswith("cases-")
    body = download.value.path().read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads the Chinese
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == listed
    assert rows[0].keys() >= {"事件编号", "诉求内容", "联系电话"}
    phones = [r["联系电话"] for r in rows if r["联系电话"]]
    assert phones and all(re.fullmatch(r"[\d-]{3}\*{4}\d{4}", p) for p in phones)  # 138****1234
