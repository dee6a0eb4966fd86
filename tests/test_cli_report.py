"""`portal report`: compile a report from the command line into a folder, as the Reports page stores it."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from tests.test_cli import portal


def test_a_week_for_a_community_writes_the_html_text_workbook_and_charts(demo_database: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = portal("report", "--scope", "zhengjiatai", "--week", "2026-W47", "--out", str(out))
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in out.iterdir())
    assert "zhengjiatai-2026-W47.html" in written and "zhengjiatai-2026-W47.xlsx" in written
    assert "zhengjiatai-2026-W47.txt" in written
    assert sorted(str(Path(line).name) for line in result.stdout.split()) == written
    text = (out / "zhengjiatai-2026-W47.txt").read_text("utf-8")
    assert text.startswith("郑家台社区 工作报告 · 2026-W47") and "2026-11-16 – 2026-11-22" in text
    book = load_workbook(io.BytesIO((out / "zhengjiatai-2026-W47.xlsx").read_bytes()))
    assert book.sheetnames[0] == "概要"


def test_bad_options_exit_2_with_a_message(demo_database: str, tmp_path: Path) -> None:
    for args, message in [
        (("--scope", "nowhere", "--week", "2026-W47"), "nowhere"),
        (("--scope", "gaolanlu", "--month", "2026-13"), "2026-13"),
        (("--scope", "gaolanlu"), "exactly one period"),
        (("--scope", "gaolanlu", "--week", "2026-W47", "--month", "2026-11"), "exactly one period"),
        (("--scope", "gaolanlu", "--week", "2026-W47", "--source", "fax"), "fax"),
    ]:
        result = portal("report", *args, "--out", str(tmp_path))
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr
    assert list(tmp_path.iterdir()) == []
