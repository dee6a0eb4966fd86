"""The `portal` command, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import bcrypt
from sqlmodel import select
from typer.testing import CliRunner

from db.models import User
from db.session import session_scope
from portal.cli import app
from portal.services.demo_data import FIGURES
from tests.conftest import ROOT

runner = CliRunner()


def portal(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real console script in a subprocess, with the test's PORTAL_* environment."""
    return subprocess.run(
        [sys.executable, "-m", "portal.cli", *args],
        env=dict(os.environ),
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_kpi_json_for_xiaolan_prints_the_article_figures(demo_database: str) -> None:
    result = portal("kpi", "--json", "--source", "xiaolan")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["cases_total"] == FIGURES["platform_cases_total"]
    assert data["cases_by_unit"] == FIGURES["platform_cases_by_unit"]
    assert data["cases_by_category"] == FIGURES["platform_cases_by_category"]
    assert data["resolved_share"] == FIGURES["platform_cases_resolved_share"]
    assert data["activities"] == FIGURES["activities"]
    assert isinstance(data["overdue_now"], int)


def test_kpi_filters_by_date_and_refuses_bad_arguments(demo_database: str) -> None:
    narrow = json.loads(runner.invoke(app, ["kpi", "--json", "--from", "2099-01-01"]).stdout)
    assert narrow["cases_total"] == 0 and narrow["from"] == "2099-01-01"
    bad_source = runner.invoke(app, ["kpi", "--source", "fax"])
    assert bad_source.exit_code == 2 and "unknown source" in bad_source.stderr
    bad_date = runner.invoke(app, ["kpi", "--from", "2026/01/01"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.stderr


def test_db_upgrade_and_seed_demo_are_safe_to_repeat(database: str) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    first = runner.invoke(app, ["seed", "demo"])
    assert first.exit_code == 0 and "seeded demo sub-district" in first.stdout
    second = runner.invoke(app, ["seed", "demo"])
    assert second.exit_code == 0 and "nothing seeded" in second.stdout
    data = json.loads(runner.invoke(app, ["kpi", "--json", "--source", "xiaolan"]).stdout)
    assert data["cases_total"] == FIGURES["platform_cases_total"]


def test_user_add_reads_the_password_from_stdin(demo_database: str) -> None:
    result = portal(
        "user",
        "add",
        "gw.extra",
        "--role",
        "grid_worker",
        "--org",
        "gengjiazhuang-2",
        "--name",
        "新网格员",
        "--password-stdin",
        stdin="a-long-secret\n",
    )
    assert result.returncode == 0, result.stderr
    with session_scope() as session:
        user = session.exec(select(User).where(User.username == "gw.extra")).one()
    assert user.role == "grid_worker" and user.display_name == "新网格员"
    assert bcrypt.checkpw(b"a-long-secret", user.password_hash.encode())


def test_user_add_names_what_is_wrong(demo_database: str) -> None:
    result = runner.invoke(
        app, ["user", "add", "leader", "--role", "boss", "--org", "nowhere", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 1
    for field in ("username", "role", "org", "password"):
        assert f"{field}:" in result.stderr
