"""A report rendered for email and Excel, from hand-built content: what a leader opening it would see."""

from __future__ import annotations

import email
import email.policy
import io
from datetime import UTC, datetime

import altair as alt
import pandas as pd
from openpyxl import load_workbook

from portal import mailer
from portal.reports import email_body, images, period, workbook
from portal.reports.content import Chart, Headline, ReportContent, Table
from portal.spreadsheet import MEDIA_TYPE, sheet_name

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def content() -> ReportContent:
    rows = [{"社区": "郑家台社区", "件数": 12}, {"社区": '=HYPERLINK("http://x")', "件数": 3}]
    chart = alt.Chart(pd.DataFrame(rows)).mark_bar().encode(x="社区:N", y="件数:Q")
    week = period.parse("2026-W47")
    return ReportContent(
        title="皋兰路街道 周报 2026-W47",
        scope="皋兰路街道",
        scope_code="gaolanlu",
        period=week,
        previous=week.previous(),
        timezone="Asia/Shanghai",
        compiled_at=datetime(2026, 11, 23, 0, 0, tzinfo=UTC),
        filters=[("来源", "小兰平台")],
        headlines=[
            Headline("cases_received", "受理事件", 120, 100),
            Headline("on_time_rate", "按时办结率", 0.95, 0.9, rate=True),
            Headline("overdue_now", "当前逾期", 3, None),
        ],
        charts=[Chart("by_unit", "按社区", chart.to_dict(), rows)],
        tables=[
            Table(
                "overdue",
                "逾期事件",
                ["事件编号", "诉求内容"],
                [["XL-1", "<script>alert(1)</script> 楼道堆物"], ["XL-2", "-2+3 占道"]],
                note="截至生成时间",
            )
        ],
        notes=["预警规则：本期件数高于前 8 期均值 + 2 倍标准差，且不少于 5 件。"],
    )


def test_the_header_says_scope_period_comparison_timezone_filters_and_compile_time() -> None:
    lines = dict(email_body.header_lines(content(), "zh"))
    assert lines == {
        "范围": "皋兰路街道",
        "时段": "2026-W47 (2026-11-16 – 2026-11-22)",
        "对比时段": "2026-W46 (2026-11-09 – 2026-11-15)",
        "时区": "Asia/Shanghai",
        "筛选条件": "来源: 小兰平台",
        "生成时间": "2026-11-23 08:00",  # office time, as the header says
    }


def test_headline_changes_read_as_counts_percentages_and_points() -> None:
    received, on_time, overdue = content().headlines
    assert (received.shown(), received.change()) == ("120", "+20 (+20%)")
    assert (on_time.shown(), on_time.change()) == ("95.0%", "+5.0 个百分点")
    assert on_time.change("en") == "+5.0 pp"
    assert Headline("r", "r", 0.5, 0.75, rate=True).change() == "−25.0 个百分点"
    assert (overdue.shown(), overdue.change()) == ("3", "")  # nothing to compare with: no made-up change


def test_the_html_part_escapes_user_text_and_shows_each_chart_by_its_cid() -> None:
    body = email_body.html(content())
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt; 楼道堆物" in body
    assert 'src="cid:chart-by_unit@grid-portal"' in body
    assert "+5.0 个百分点" in body and "按时办结率" in body
    assert "预警规则" in body


def test_the_text_part_holds_the_same_numbers_without_markup() -> None:
    body = email_body.text(content())
    assert "- 受理事件: 120  (变化 +20 (+20%))" in body
    assert "- 郑家台社区, 12" in body
    assert "<script>alert(1)</script> 楼道堆物" in body  # plain text is shown as typed, never interpreted


def test_the_workbook_has_a_sheet_per_section_and_no_cell_starts_a_formula() -> None:
    book = load_workbook(io.BytesIO(workbook.xlsx(content())))
    assert book.sheetnames == ["概要", "按社区", "逾期事件"]
    summary = [[c for c in row if c is not None] for row in book["概要"].iter_rows(values_only=True)]
    assert ["受理事件", 120, 100, "+20 (+20%)"] in summary
    assert ["按时办结率", 0.95, 0.9, "+5.0 个百分点"] in summary
    by_unit = list(book["按社区"].iter_rows(values_only=True))
    assert by_unit == [("社区", "件数"), ("郑家台社区", 12), ('=HYPERLINK("http://x")', 3)]  # shown as typed...
    assert book["按社区"]["A3"].data_type == "s" and book["按社区"]["A3"].quotePrefix  # ... and kept as text
    overdue = list(book["逾期事件"].iter_rows(values_only=True))
    assert overdue[3] == ("XL-2", "-2+3 占道")
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
            assert all(cell.quotePrefix for cell in row if str(cell.value or "")[:1] in ("=", "+", "-", "@"))


def test_sheet_names_follow_excels_rules() -> None:
    used: set[str] = set()
    long = "按社区和类别统计的事件数量热力图：本期与上期对比/全部来源"
    first = sheet_name(long, used)
    second = sheet_name(long, used)
    assert len(first) <= 31 and "/" not in first and "：" in first
    assert second != first and len(second) <= 31


def test_the_email_carries_text_html_inline_png_charts_and_the_workbook() -> None:
    report = content()
    png = images.png(report.charts[0].spec)
    assert png.startswith(PNG_SIGNATURE) and png[12:16] == b"IHDR"
    msg = mailer.build_message(
        to="leader@example.cn",
        subject=report.title,
        text=email_body.text(report),
        html=email_body.html(report),
        images=[mailer.Inline(email_body.chart_cid("by_unit"), png)],
        attachments=[mailer.Attachment("report.xlsx", workbook.xlsx(report), MEDIA_TYPE)],
    )
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    kinds = [part.get_content_type() for part in parsed.walk()]
    assert kinds == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        MEDIA_TYPE,
    ]
    image = next(p for p in parsed.walk() if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<chart-by_unit@grid-portal>"
    assert image.get_content() == png
    attachment = next(p for p in parsed.walk() if p.get_content_type() == MEDIA_TYPE)
    assert attachment.get_filename() == "report.xlsx"
    assert load_workbook(io.BytesIO(attachment.get_content())).sheetnames[0] == "概要"
