"""Drill-down in a real browser: click a bar of the KPI overview, land on the case list of exactly those cases."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pytest

from portal.i18n import t
from tests.browser.conftest import ARTIFACTS, Portal
from tests.browser.test_smoke import CHART_TIMEOUT, NewContext, _expect, log_in, settle

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

COMMUNITY = "郑家台社区"


def unit_bar(page: Page, unit: str) -> Locator:
    """The bar of `unit` in the "cases by unit" chart (Vega's SVG marks carry their data as an ARIA label)."""
    chart = page.locator(".vega-embed").filter(has_text=t("kpi.by_unit", "zh"))
    return chart.locator(f'path[aria-roledescription="bar"][aria-label$="unit: {unit}"]').first


def test_clicking_a_bar_opens_the_case_list_of_that_bar(portal: Portal, new_context: NewContext) -> None:
    expect = _expect()
    page = new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, portal, "leader")

    figures = json.loads(portal.cli("kpi", "--json", "--period", "this_year").stdout)
    number = figures["cases_by_unit"][COMMUNITY]
    assert number > 0
    page.goto(portal.url + "/kpi?period=this_year")
    bar = unit_bar(page, COMMUNITY)
    expect(bar).to_be_attached(timeout=CHART_TIMEOUT)
    settle(page)
    expect(bar).to_have_attribute("aria-label", re.compile(rf"^count: {number:,};"))
    bar.click()

    expect(page).to_have_url(re.compile(r"/cases\?"), timeout=CHART_TIMEOUT)
    expect(page.get_by_text(f"共 {number} 件", exact=False).first).to_be_visible(timeout=CHART_TIMEOUT)
    assert "drill=1" in page.url and "period" not in page.url
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"kpi-drill-{portal.backend}.png"), full_page=True)
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_clicking_a_safety_bar_opens_the_list_of_those_activities(portal: Portal, new_context: NewContext) -> None:
    expect = _expect()
    page = new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, portal, "leader")

    figures = json.loads(portal.cli("kpi", "--json", "--page", "safety", "--period", "this_year").stdout)
    number = figures["venues"]["school"]
    assert number > 0, "the demo holds publicity at schools this year"
    page.goto(portal.url + "/kpi_safety?period=this_year")
    venue = t("venue.school", "zh")
    chart = page.locator(".vega-embed").filter(has_text=t("safety.venues", "zh"))
    bar = chart.locator(f'path[aria-roledescription="bar"][aria-label$="venue: {venue}"]').first
    expect(bar).to_be_attached(timeout=CHART_TIMEOUT)
    settle(page)
    expect(bar).to_have_attribute("aria-label", re.compile(rf"^count: {number:,};"))
    bar.click()

    expect(page).to_have_url(re.compile(r"/publicity\?.*venue_type=school"), timeout=CHART_TIMEOUT)
    expect(page.get_by_text(f"共 {number} 条", exact=False).first).to_be_visible(timeout=CHART_TIMEOUT)
    assert not errors, f"JavaScript errors on the page: {errors}"
