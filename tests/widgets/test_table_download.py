"""A page table as an XLSX file: the header and rows as shown, numbers and dates as such, text that starts like a
formula kept as text (Excel shows it as typed and never runs it)."""

from __future__ import annotations

import io
import math
from datetime import date, datetime

import openpyxl
import pandas as pd

from portal.widgets.table_download import xlsx


def sheet_of(content: bytes) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(content)).active


def test_the_file_holds_the_table_as_shown() -> None:
    frame = pd.DataFrame(
        {
            "单位": ["郑家台社区", "詹家拐子社区"],
            "次数": [3, 0],
            "年度目标": [4.0, math.nan],
            "整改期限": [date(2026, 4, 5), None],
        }
    )
    sheet = sheet_of(xlsx(frame, "各单位开展情况"))
    assert sheet.title == "各单位开展情况"
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["单位", "次数", "年度目标", "整改期限"],
        ["郑家台社区", 3, 4, datetime(2026, 4, 5)],  # Excel keeps days as date-times
        ["詹家拐子社区", 0, None, None],  # no target, no due day: empty cells, not "nan"
    ]
    assert sheet["B2"].data_type == "n" and sheet["D2"].is_date and sheet["D2"].number_format == "yyyy-mm-dd"


def test_text_that_starts_like_a_formula_stays_text() -> None:
    risky = ['=HYPERLINK("http://evil","点击")', "+1", "-更换灭火器", "@SUM(A1)", "普通文字"]
    sheet = sheet_of(xlsx(pd.DataFrame({"=标题": risky}), "a/b:c"))
    cells = [row[0] for row in sheet.iter_rows()]
    assert [c.value for c in cells] == ["=标题", *risky]  # as typed: no apostrophe added to the text
    assert all(c.data_type == "s" for c in cells)  # never a formula
    assert [c.quotePrefix for c in cells] == [True, True, True, True, True, False]
    assert sheet.title == "a_b_c"  # Excel refuses / and : in sheet names


def test_an_empty_table_still_has_its_header() -> None:
    sheet = sheet_of(xlsx(pd.DataFrame(columns=["单位", "事件数"]), "空"))
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["单位", "事件数"]]
