"""Exporting the case list: CSV and XLSX with the platform's headers that Excel opens safely, phones masked by
role, only the actor's scope, Open311 requests, and files that read back in."""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete

from db.models import Case, CaseHistory
from db.session import session_scope
from portal.services.case_export import export_csv, export_open311, export_xlsx
from portal.services.cases import CaseFilters
from tests.helpers import actor_for
from tests.services.conftest import FrozenClock, World
from tests.services.test_case_import import HEADER, csv_bytes, run_import, table

EXPORT_HEADER = [*HEADER, "办理层级", "承办人", "办理时限", "关闭原因"]
SEED = table(
    "A-1|小兰平台|环境卫生|郑家台社区|郑家台社区第一网格|2026-03-01 09:00|@管理员|13912345678|=SUM(1)|已受理|||",
    "A-2|12345热线|矛盾纠纷|郑家台社区||2026-03-02 10:30|张先生|0931-8123456|+1 噪音|已回访|2026-03-04 16:00|满意|",
    "A-3|网格巡查|安全隐患|詹家拐子社区|詹家拐子社区第一网格|2026-03-03 08:15|||-井盖缺失|已办结|2026-03-03 18:00||",
    "A-4|来访|环境卫生|皋兰路街道||2026-03-04 11:00|||垃圾|不予受理|||",
    "A-5|陇情e通|环境卫生|郑家台社区|郑家台社区第二网格|2026-03-05 12:00|||污水外溢|已派遣|||",
    "A-6|小兰平台|环境卫生|郑家台社区|郑家台社区第一网格|2026-03-06 12:00|||路灯不亮|办理中|||",
    "A-7|小兰平台|环境卫生|郑家台社区||2026-03-07 12:00|||同一路灯|已结案|||重复件",
)
NEWEST_FIRST = ["A-7", "A-6", "A-5", "A-4", "A-3", "A-2", "A-1"]


@pytest.fixture
def seeded(world: World, frozen_clock: FrozenClock) -> World:
    result = run_import(csv_bytes(SEED, header=[*HEADER, "关闭原因"]))
    assert (result.imported, result.errors) == (7, [])
    return world


def export(kind: str, username: str = "staff", filters: CaseFilters | None = None) -> Any:
    exporter: Any = {"csv": export_csv, "xlsx": export_xlsx, "open311": export_open311}[kind]
    with session_scope() as session:
        return exporter(session=session, actor=actor_for(session, username), filters=filters or CaseFilters())


def csv_table(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(codecs.BOM_UTF8)  # without it Excel reads UTF-8 Chinese as mojibake
    header, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    assert header == EXPORT_HEADER
    return [dict(zip(header, row, strict=True)) for row in rows]


def by_reference(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["事件编号"]: row for row in rows}


def test_csv_has_the_platforms_columns_and_defuses_formulas(seeded: World) -> None:
    rows = csv_table(export("csv"))
    assert [r["事件编号"] for r in rows] == NEWEST_FIRST
    found = {ref: "|".join(row.values()) for ref, row in by_reference(rows).items()}
    # Text that a spreadsheet would run as a formula starts with an apostrophe: =SUM(1), @..., +1, -...
    expected_1 = "A-1|小兰平台|环境卫生|郑家台社区|郑家台社区第一网格|2026-03-01 09:00|'@管理员|13912345678|'=SUM(1)"
    assert found["A-1"] == expected_1 + "|已受理|||网格|||"
    expected_2 = "A-2|12345热线|矛盾纠纷|郑家台社区||2026-03-02 10:30|张先生|0931-8123456|'+1 噪音"
    assert found["A-2"] == expected_2 + "|已结案|2026-03-04 16:00|满意|社区|||已解决"
    assert found["A-3"].split("|")[8] == "'-井盖缺失"
    assert found["A-4"] == "A-4|来访|环境卫生|皋兰路街道||2026-03-04 11:00|||垃圾|不予受理|||街道|||"
    assert found["A-7"].endswith("|同一路灯|已结案|||社区|||重复件")


def test_xlsx_keeps_text_as_text_and_times_as_date_cells(seeded: World) -> None:
    sheet = load_workbook(io.BytesIO(export("xlsx"))).worksheets[0]
    assert [c.value for c in sheet[1]] == EXPORT_HEADER
    assert [sheet.cell(row=r, column=1).value for r in range(2, 9)] == NEWEST_FIRST
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # no formula anywhere
    first = sheet[8]  # A-1, the oldest
    assert (first[8].value, first[8].data_type) == ("'=SUM(1)", "s")
    assert first[6].value == "'@管理员"
    assert first[5].is_date and first[5].value.strftime("%Y-%m-%d %H:%M") == "2026-03-01 09:00"


@pytest.mark.parametrize(("username", "shown"), [("staff", "13912345678"), ("leader", "139****5678")])
def test_phones_are_masked_unless_the_role_handles_cases(username: str, shown: str, seeded: World) -> None:
    assert by_reference(csv_table(export("csv", username)))["A-1"]["联系电话"] == shown
    sheet = load_workbook(io.BytesIO(export("xlsx", username))).worksheets[0]
    assert sheet["H8"].value == shown


def test_an_export_holds_the_actors_scope_under_the_filters(seeded: World) -> None:
    assert [r["事件编号"] for r in csv_table(export("csv", "gw.zhengjiatai-2"))] == ["A-5"]
    assert [r["事件编号"] for r in csv_table(export("csv", "leader.zjt"))] == ["A-7", "A-6", "A-5", "A-2", "A-1"]
    closed = CaseFilters(statuses=("closed", "rejected"), sort="oldest")
    assert [r["service_request_id"] for r in export("open311", filters=closed)] == ["A-2", "A-4", "A-7"]


def test_open311_requests_and_their_open_or_closed_status(seeded: World) -> None:
    requests = {r["service_request_id"]: r for r in export("open311", "leader")}
    assert {ref: r["status"] for ref, r in requests.items()} == {
        "A-1": "open",  # accepted
        "A-2": "closed",  # closed after the follow-up visit
        "A-3": "closed",  # resolved
        "A-4": "closed",  # rejected
        "A-5": "open",  # dispatched
        "A-6": "open",  # in progress
        "A-7": "closed",  # closed as a duplicate
    }
    assert requests["A-2"] == {
        "service_request_id": "A-2",
        "status": "closed",
        "status_notes": "已解决",
        "service_name": "矛盾纠纷",
        "service_code": "dispute",
        "description": "+1 噪音",
        "agency_responsible": "郑家台社区",
        "requested_datetime": "2026-03-02T10:30:00+08:00",
        "updated_datetime": "2026-04-10T10:00:00+08:00",
        "expected_datetime": None,
        "address": "郑家台社区",
    }
    assert (requests["A-4"]["status_notes"], requests["A-7"]["status_notes"]) == ("不予受理", "重复件")
    assert (requests["A-3"]["agency_responsible"], requests["A-3"]["address"]) == ("詹家拐子社区第一网格",) * 2
    assert not any("13912345678" in str(r) or "张先生" in str(r) for r in requests.values())


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_exported_file_imports_back(kind: str, seeded: World) -> None:
    exported = export(kind)
    again = run_import(exported, f"export.{kind}")
    assert (again.imported, again.skipped_duplicates, again.errors) == (0, 7, [])
    before = export("csv")
    with session_scope(write=True) as session:  # an empty database with the same org tree
        session.execute(delete(CaseHistory))
        session.execute(delete(Case))
    fresh = run_import(exported, f"export.{kind}")
    assert (fresh.imported, fresh.errors) == (7, [])
    assert export("csv") == before  # every column, '=SUM(1)' included, reads back as it was
