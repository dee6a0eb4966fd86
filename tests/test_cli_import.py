"""`portal import cases`, run as a user runs it: the JSON it prints and its exit codes 0, 1 and 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from db.models import Case, CaseHistory
from db.session import session_scope
from portal.i18n import t
from tests.helpers import actor_for
from tests.test_cli import portal

HEADER = "事件编号,诉求来源,诉求类别,所属社区,所属网格,上报时间,诉求人,联系电话,诉求内容,办理状态,办结时间,满意度"
GOOD = [
    "CLI-1,小兰平台,环境卫生,郑家台社区,郑家台社区第一网格,2026-03-05 14:22,刘女士,13912345678,楼道堆物,已受理,,",
    "CLI-2,12345热线,矛盾纠纷,王家庄社区,,2026/3/6 9:05,张先生,0931-8123456,噪音扰民,已回访,2026/3/8 16:30,满意",
]
BAD_PHONE = "CLI-3,小兰平台,环境卫生,郑家台社区,,2026-03-05 14:22,,12345,楼道堆物,,,"


def write(tmp_path: Path, *rows: str, name: str = "cases.csv", encoding: str = "gbk") -> Path:
    path = tmp_path / name
    path.write_bytes("\r\n".join([HEADER, *rows]).encode(encoding))
    return path


def imported(prefix: str = "CLI-") -> list[str]:
    with session_scope() as session:
        return list(session.exec(select(Case.reference).where(col(Case.reference).startswith(prefix))).all())


def test_a_clean_file_prints_the_counts_and_exits_0(demo_database: str, tmp_path: Path) -> None:
    result = portal("import", "cases", str(write(tmp_path, *GOOD)), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"imported": 2, "skipped_duplicates": 0, "errors": []}
    assert sorted(imported()) == ["CLI-1", "CLI-2"]
    with session_scope() as session:
        actors = session.exec(select(CaseHistory.actor_id).where(CaseHistory.action == "imported")).all()
    assert actors == [None, None]  # the system imported them


def test_rejected_rows_are_listed_exit_1_and_a_rerun_only_skips(demo_database: str, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD[0], BAD_PHONE, GOOD[1], encoding="utf-8-sig")
    first = portal("import", "cases", str(path), "--json")
    assert first.returncode == 1, first.stderr
    error = {"row": 3, "field": "reporter_phone", "message": t("error.phone_format", "zh")}
    assert json.loads(first.stdout) == {"imported": 2, "skipped_duplicates": 0, "errors": [error]}
    again = portal("import", "cases", str(path), "--json")
    assert again.returncode == 1
    assert json.loads(again.stdout) == {"imported": 0, "skipped_duplicates": 2, "errors": [error]}
    assert sorted(imported()) == ["CLI-1", "CLI-2"]


def test_without_json_each_problem_is_a_line(demo_database: str, tmp_path: Path) -> None:
    result = portal("import", "cases", str(write(tmp_path, BAD_PHONE)), "--lang", "en")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "row 2, reporter_phone: Enter a mobile (13812345678) or landline (0931-8123456) number.",
        "0 imported, 0 duplicates skipped, 1 rows with problems not imported.",
    ]


@pytest.mark.parametrize(
    ("content", "name", "key"),
    [
        (b"", "cases.csv", "import.file_empty"),
        ("事件编号,诉求内容\r\nX,文本\r\n".encode(), "cases.csv", "import.file_missing_columns"),
        (b"%PDF-1.7", "cases.pdf", "import.file_format"),
    ],
)
def test_a_file_that_cannot_be_read_exits_2_with_a_message(
    content: bytes, name: str, key: str, demo_database: str, tmp_path: Path
) -> None:
    (tmp_path / name).write_bytes(content)
    result = portal("import", "cases", str(tmp_path / name), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert t(key, "zh").split("{")[0] in result.stderr


def test_a_missing_file_exits_2(demo_database: str, tmp_path: Path) -> None:
    result = portal("import", "cases", str(tmp_path / "nowhere.csv"))
    assert result.returncode == 2
    assert t("import.file_not_found", "zh", path=str(tmp_path / "nowhere.csv")) in result.stderr


def test_dry_run_reports_and_writes_nothing(demo_database: str, tmp_path: Path) -> None:
    with session_scope() as session:
        before = session.exec(select(func.count()).select_from(Case)).one()
    result = portal("import", "cases", str(write(tmp_path, *GOOD)), "--json", "--dry-run")
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"imported": 2, "skipped_duplicates": 0, "errors": []}
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Case)).one() == before


def test_org_narrows_the_import_and_as_acts_as_that_user(demo_database: str, tmp_path: Path) -> None:
    path = write(tmp_path, *GOOD)
    narrowed = portal("import", "cases", str(path), "--json", "--org", "郑家台社区")
    assert narrowed.returncode == 1
    message = t("error.import_out_of_scope", "zh", node="王家庄社区")
    assert json.loads(narrowed.stdout)["errors"] == [{"row": 3, "field": "community", "message": message}]
    refused = portal("import", "cases", str(path), "--as", "grid")
    assert refused.returncode == 2 and t("error.forbidden", "zh") in refused.stderr
    as_staff = portal("import", "cases", str(path), "--json", "--as", "staff")
    assert json.loads(as_staff.stdout) == {"imported": 1, "skipped_duplicates": 1, "errors": []}
    with session_scope() as session:
        history = session.exec(
            select(CaseHistory.actor_id).join(Case).where(Case.reference == "CLI-2", CaseHistory.action == "imported")
        ).one()
        assert history == actor_for(session, "staff").user_id  # the history names staff, not the system
