"""Downloads from the safety KPI page in a real browser: a table's XLSX is made on click and holds the numbers on
the page; every chart offers Streamlit's own "Download as PNG" (nothing of ours to build for chart images)."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from portal.i18n import t
from tests.browser.conftest import Portal
from tests.browser.test_smoke import CHART_TIMEOUT, NewContext, _expect, log_in, settle

pytestmark = pytest.mark.browser


def test_a_leader_downloads_a_table_as_xlsx_and_a_chart_as_png(portal: Portal, new_context: NewContext) -> None:
    expect = _expect()
    page = new_context(accept_downloads=True).new_page()
    log_in(page, portal, "leader")
    page.goto(portal.url + "/kpi_safety?period=this_year")
    expect(page.get_by_role("heading", name=t("page.kpi_safety", "zh")).first).to_be_visible(timeout=CHART_TIMEOUT)
    settle(page)
    cards = {}
    for kind in ("emergency_drill", "joint_rescue_drill", "safety_training", "publicity"):
        metric = page.get_by_test_id("stMetric").filter(has_text=t(f"activity.{kind}", "zh")).first
        cards[t(f"activity.{kind}", "zh")] = int(metric.get_by_test_id("stMetricValue").inner_text().replace(",", ""))
    assert sum(cards.values()) > 0, "the demo holds activities this year"

    with page.expect_download(timeout=CHART_TIMEOUT) as download:
        page.get_by_role("button", name=t("table.download_xlsx", "zh")).first.click()
    assert re.fullmatch(r"safety-by-kind-\d{8}\.xlsx", download.value.suggested_filename)
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    header, *rows = list(sheet.values)
    assert header[:2] == (t("table.kind", "zh"), t("safety.col.count", "zh"))
    assert {row[0]: row[1] for row in rows} == cards

    # The chart's toolbar (shown on hover) sits next to the chart, in the same element container.
    chart = page.get_by_test_id("stElementContainer").filter(has=page.get_by_test_id("stVegaLiteChart")).first
    chart.hover()
    with page.expect_download(timeout=CHART_TIMEOUT) as image:
        chart.get_by_role("button", name="Download as PNG").click()
    assert image.value.path().read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
