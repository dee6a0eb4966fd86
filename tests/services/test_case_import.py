"""Importing cases from the platform's spreadsheets: each encoding and XLSX, every row checked, nothing half-saved,
duplicates skipped, and only into the importer's own scope."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import Workbook
from sqlmodel import col, func, select

from db.models import Case, CaseHistory
from db.session import session_scope
from portal.i18n import t
from portal.services.case_files import UnreadableFile
from portal.services.case_import import ImportResult, import_cases
from portal.services.errors import PermissionDenied
from tests.helpers import actor_for
from tests.services.conftest import FrozenClock, World


def table(*lines: str) -> list[list[str]]:
    """Spreadsheet rows written as 'a|b|c' lines (one line per row, cells between bars)."""
    return [line.split("|") for line in lines]


# The 小兰 platform's headers, as its exports write them.
HEADER = (
    "事件编号|诉求来源|诉求类别|所属社区|所属网格|上报时间|诉求人|联系电话|诉求内容|办理状态|办结时间|满意度".split("|")
)
GOOD = table(
    "XL-0001|小兰平台|环境卫生|郑家台社区|郑家台社区第一网格|2026-03-05 14:22|刘女士|13912345678|楼道堆物|已受理||",
    "RX-0002|12345热线|矛盾纠纷|郑家台社区||2026/3/6 9:05|张先生|0931-8123456|噪音扰民|已回访|2026/3/8 16:30|满意",
    "WG-0003|网格巡查|安全隐患|皋兰路街道||2026-03-07|||路口井盖缺失|已办结|2026-03-07 18:00|",
)


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8", header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode(encoding)


def run_import(data: bytes, filename: str = "cases.csv", username: str = "staff", **options: Any) -> ImportResult:
    with session_scope(write=True) as session:
        actor = actor_for(session, username)
        return import_cases(session=session, actor=actor, data=data, filename=filename, lang="zh", **options)


def stored() -> dict[str, Case]:
    with session_scope() as session:
        return {c.reference: c for c in session.exec(select(Case)).all()}


def history_count() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(CaseHistory)).one()


def errors_of(result: ImportResult) -> list[tuple[int, str]]:
    return [(e.row, e.field) for e in result.errors]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_each_encoding_imports_the_platform_file(encoding: str, world: World, frozen_clock: FrozenClock) -> None:
    data = csv_bytes(GOOD, encoding)
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # really GBK: the import has to recognise it
    result = run_import(data)
    assert (result.imported, result.skipped_duplicates, result.errors) == (3, 0, [])
    cases = stored()
    grid_case, community_case, subdistrict_case = (cases[row[0]] for row in GOOD)
    assert grid_case.description == "楼道堆物" and grid_case.reporter_name == "刘女士"
    assert (grid_case.org_id, grid_case.level, grid_case.status) == (
        world.nodes["郑家台社区第一网格"],
        "grid",
        "accepted",
    )
    assert grid_case.reported_at == datetime(2026, 3, 5, 6, 22, tzinfo=UTC)  # 14:22 in Lanzhou
    assert grid_case.source == "xiaolan" and grid_case.category_id == world.categories["环境卫生"]
    assert (community_case.org_id, community_case.level) == (world.nodes["郑家台社区"], "community")
    assert (community_case.status, community_case.close_reason, community_case.satisfaction) == (
        "closed",
        "resolved",
        "satisfied",
    )
    assert community_case.resolved_at == community_case.closed_at == datetime(2026, 3, 8, 8, 30, tzinfo=UTC)
    assert community_case.reporter_phone == "0931-8123456" and community_case.source == "hotline"
    assert (subdistrict_case.org_id, subdistrict_case.level) == (world.nodes["皋兰路街道"], "subdistrict")
    assert subdistrict_case.reported_at == datetime(2026, 3, 6, 16, 0, tzinfo=UTC)  # a date alone: local midnight
    assert (subdistrict_case.status, subdistrict_case.closed_at) == ("resolved", None)
    with session_scope() as session:
        history = session.exec(select(CaseHistory).order_by(col(CaseHistory.id))).all()
    assert [(h.action, h.actor_id, h.note) for h in history] == [("imported", world.users["staff"], "cases.csv")] * 3
    assert {h.case_id for h in history} == {c.id for c in cases.values()}


def test_xlsx_with_excel_date_cells_and_numeric_phones(world: World, frozen_clock: FrozenClock) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    at = datetime(2026, 3, 5, 14, 22)
    sheet.append(
        ["XL-1", "小兰", "环境卫生", "郑家台社区", "第二网格", at, "", 13912345678, "垃圾未清运", "已解决", at, None]
    )
    sheet.append(
        ["XL-2", "陇情e通", "安全隐患", "詹家拐子社区", "", date(2026, 3, 7), None, None, "私拉电线", "已登记"]
    )
    assert sheet["F2"].is_date and sheet["F3"].is_date  # real Excel date cells, not text
    out = io.BytesIO()
    workbook.save(out)
    result = run_import(out.getvalue(), "小兰导出.xlsx")
    assert (result.imported, result.errors) == (2, [])
    cases = stored()
    assert cases["XL-1"].reported_at == datetime(2026, 3, 5, 6, 22, tzinfo=UTC)
    assert cases["XL-1"].resolved_at == cases["XL-1"].reported_at
    assert cases["XL-1"].reporter_phone == "13912345678"  # Excel kept it as a number
    assert cases["XL-1"].org_id == world.nodes["郑家台社区第二网格"]  # the grid's short name, under its community
    assert cases["XL-2"].reported_at == datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    assert (cases["XL-2"].source, cases["XL-2"].status) == ("longqing", "received")


def test_bad_rows_are_reported_by_row_and_field_and_good_rows_still_land(
    world: World, frozen_clock: FrozenClock
) -> None:
    rows = table(
        "OK-1|小兰|环境卫生|郑家台社区|郑家台社区第一网格|2026-03-05 14:22|刘女士|13912345678|楼道堆物|已受理||",
        "B-3|小兰|路灯|郑家台社区||2026-03-05 14:22|||楼道堆物|||",  # unknown category
        "B-4|小兰|环境卫生|郑家台社区||2026-03-05 14:22||12345|楼道堆物|||",  # not a phone number
        "B-5|小兰|环境卫生|詹家拐子社区|郑家台社区第二网格|2026-03-05 14:22|||楼道堆物|||",  # another unit's grid
        "B-6|小兰|环境卫生|郑家台社区||2026-03-05 14:22|||楼道堆物|已办结|2026-03-05 10:00|",  # resolved first
        "B-7|小兰|环境卫生|郑家台社区||2026-03-05 14:22|||楼道堆物|已办结|2026-05-01 10:00|",  # resolved later on
        "B-8|小兰|环境卫生|郑家台社区||2026-03-05 14:22|||楼道堆物|已办结||",  # resolved, but when?
        "B-9|小兰|环境卫生|郑家台社区||昨天|||||",  # an unreadable time, no description
        "B-10|小兰|环境卫生|郑家台社区||2026-03-05 14:22|||" + "长" * 2001 + "|||",  # too long
        "B-11|小兰|环境卫生|郑家台社区||2026-03-05 14:22|||楼道堆物|办理中|2026-03-06 10:00|",  # open, yet resolved
        "B-12|小兰|环境卫生|郑家台社区||2026-03-05 14:22|||楼道堆物|已受理||满意",  # rated before any visit
        "B-13|传真|环境卫生|某某社区||2026-03-05 14:22|||楼道堆物|||",  # unknown source and unit
        "B-14|小兰|环境卫生|郑家台社区||2026-04-11 09:00|||楼道堆物|||",  # reported tomorrow
        "|||||||||||",  # an empty row
        "|小兰|旧分类|郑家台社区||2026-03-05 14:22|||楼道堆物|||",  # no reference; a retired category
        "OK-17|热线|环境卫生|郑家台社区|郑家台社区第一网格|2026-03-05 14:22|||楼道堆物|||",
    )
    result = run_import(csv_bytes(rows))
    assert errors_of(result) == [
        (3, "category"),
        (4, "reporter_phone"),
        (5, "grid"),
        (6, "resolved_at"),
        (7, "resolved_at"),
        (8, "resolved_at"),
        (9, "reported_at"),
        (9, "description"),
        (10, "description"),
        (11, "resolved_at"),
        (12, "satisfaction"),
        (13, "source"),
        (13, "community"),
        (14, "reported_at"),
        (16, "reference"),
        (16, "category"),
    ]
    messages = {(e.row, e.field): e.message for e in result.errors}
    assert messages[(3, "category")] == t("error.import_category", "zh", value="路灯")
    assert messages[(4, "reporter_phone")] == t("error.phone_format", "zh")
    assert messages[(5, "grid")] == t(
        "error.import_grid_parent", "zh", grid="郑家台社区第二网格", community="詹家拐子社区"
    )
    assert messages[(6, "resolved_at")] == t("error.import_resolved_before_reported", "zh")
    assert messages[(8, "resolved_at")] == t("error.import_resolved_missing", "zh", status=t("status.resolved", "zh"))
    assert messages[(10, "description")] == t("error.too_long", "zh", limit=2000)
    assert messages[(14, "reported_at")] == t("error.in_future", "zh")
    assert messages[(16, "category")] == t("error.import_category_inactive", "zh", value="旧分类")
    assert (result.imported, result.rejected, result.rows) == (2, 13, 15)
    assert set(stored()) == {"OK-1", "OK-17"}  # none of the bad rows, not even partly
    assert history_count() == 2


def test_messages_come_in_the_language_asked_for(world: World, frozen_clock: FrozenClock) -> None:
    with session_scope(write=True) as session:
        result = import_cases(
            session=session,
            actor=actor_for(session, "staff"),
            data=csv_bytes(table("X|传真|环境卫生|郑家台社区||2026-03-05|||文本|||")),
            filename="x.csv",
            lang="en",
        )
    assert result.errors[0].message == "Unknown source \u201c传真\u201d."


def test_an_import_cut_short_saves_nothing(world: World, frozen_clock: FrozenClock) -> None:
    rows = table(*(f"XL-{n}|小兰|环境卫生|郑家台社区||2026-03-05 14:22|||文本|||" for n in range(5)))

    def interrupted(done: int, total: int) -> None:
        if done > 2:  # the second batch of two: the first is already inserted in the transaction
            raise RuntimeError("worker stopped")

    with pytest.raises(RuntimeError):
        run_import(csv_bytes(rows), batch_size=2, progress=interrupted)
    assert stored() == {} and history_count() == 0


def test_dry_run_reports_the_same_and_writes_nothing(world: World, frozen_clock: FrozenClock) -> None:
    data = csv_bytes([*GOOD, *table("BAD|小兰|路灯|郑家台社区||2026-03-05|||文本|||")])
    dry = run_import(data, dry_run=True)
    assert (dry.imported, dry.skipped_duplicates, errors_of(dry)) == (3, 0, [(5, "category")])
    assert stored() == {} and history_count() == 0
    real = run_import(data)
    assert (real.imported, errors_of(real)) == (3, [(5, "category")])


def test_importing_the_same_file_again_imports_nothing(world: World, frozen_clock: FrozenClock) -> None:
    data = csv_bytes([*GOOD, GOOD[0]])  # the first case twice in one file
    first = run_import(data)
    assert (first.imported, first.skipped_duplicates) == (3, 1)
    second = run_import(data)
    assert (second.imported, second.skipped_duplicates, second.errors) == (0, 4, [])
    assert len(stored()) == 3 and history_count() == 3


def test_rows_outside_the_importers_scope_are_row_errors(world: World, frozen_clock: FrozenClock) -> None:
    rows = table(
        "A|小兰|环境卫生|郑家台社区|郑家台社区第一网格|2026-03-05|||文本|||",
        "B|小兰|环境卫生|詹家拐子社区|詹家拐子社区第一网格|2026-03-05|||文本|||",
        "C|小兰|环境卫生|皋兰路街道||2026-03-05|||文本|||",
    )
    result = run_import(csv_bytes(rows), username="staff.zjt")  # staff of 郑家台社区
    assert errors_of(result) == [(3, "grid"), (4, "community")]
    assert result.errors[0].message == t("error.import_out_of_scope", "zh", node="詹家拐子社区第一网格")
    assert set(stored()) == {"A"}


@pytest.mark.parametrize("username", ["grid", "leader"])
def test_grid_workers_and_leaders_may_not_import(username: str, world: World, frozen_clock: FrozenClock) -> None:
    with pytest.raises(PermissionDenied):
        run_import(csv_bytes(GOOD), username=username)
    assert stored() == {}


def test_english_headers_and_codes(world: World, frozen_clock: FrozenClock) -> None:
    header = "reference|source|category|community|grid|reported_at|reporter_name|reporter_phone|description"
    header += "|status|resolved_at|satisfaction"
    row = table("H-1|hotline|sanitation|zhengjiatai|zhengjiatai-2|2026-03-05T14:22|||d|in_progress||")
    result = run_import(csv_bytes(row, header=header.split("|")))
    assert (result.imported, result.errors) == (1, [])
    case = stored()["H-1"]
    assert (case.source, case.status, case.org_id) == ("hotline", "in_progress", world.nodes["郑家台社区第二网格"])


def test_the_platforms_status_words(world: World, frozen_clock: FrozenClock) -> None:
    words = {
        "待受理": ("received", None),
        "已登记": ("received", None),
        "已受理": ("accepted", None),
        "已派遣": ("dispatched", None),
        "已分派": ("dispatched", None),
        "处理中": ("in_progress", None),
        "办理中": ("in_progress", None),
        "已办结": ("resolved", None),
        "已解决": ("resolved", None),
        "已回访": ("closed", "resolved"),
        "已结案": ("closed", "resolved"),
        "已关闭": ("closed", "resolved"),
        "不予受理": ("rejected", None),
        "closed": ("closed", "resolved"),
    }
    rows = []
    for n, (word, (status, _)) in enumerate(words.items()):
        resolved = "2026-03-06 08:00" if status in ("resolved", "closed") else ""
        rating = "基本满意" if status == "closed" else ""
        rows += table(f"S-{n}|小兰|环境卫生|郑家台社区||2026-03-05 08:00|||文本|{word}|{resolved}|{rating}")
    result = run_import(csv_bytes(rows))
    assert result.errors == [] and result.imported == len(words)
    cases = stored()
    assert {w: (cases[f"S-{n}"].status, cases[f"S-{n}"].close_reason) for n, w in enumerate(words)} == words
    assert cases["S-9"].satisfaction == "basically_satisfied"


@pytest.mark.parametrize(
    ("filename", "data", "key"),
    [
        ("cases.csv", b"", "import.file_empty"),
        ("cases.csv", "事件编号,诉求来源\n".encode(), "import.file_missing_columns"),
        ("cases.csv", ",".join(HEADER).encode() + b"\n", "import.file_no_rows"),
        ("cases.csv", b"\xef\xbb\xbf" + ",".join(HEADER).encode() + b"\n\xff\xfe\n", "import.file_encoding"),
        ("cases.pdf", b"%PDF-1.7 binary", "import.file_format"),
        ("cases.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "import.file_xls"),
        ("cases.xlsx", b"PK\x03\x04 not really a workbook", "import.file_corrupt"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(
    filename: str, data: bytes, key: str, world: World, frozen_clock: FrozenClock
) -> None:
    with pytest.raises(UnreadableFile) as caught:
        run_import(data, filename)
    assert caught.value.key == key
    if key == "import.file_missing_columns":
        assert "诉求类别 (category)" in caught.value.message("zh")
    assert stored() == {}
