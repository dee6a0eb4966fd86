"""Docs that cannot rot: every setting is in the README, every page has a test, every message exists."""

from __future__ import annotations

import re

from db.models import ActivityKind, CaseLevel, CaseSource, CaseStatus, NotificationStatus, Role
from portal.config import Settings
from portal.i18n import has
from portal.i18n.catalogue import MESSAGES
from tests.conftest import ROOT

SOURCE_DIRS = ("portal", "pages", "jobs", "db")


def test_every_setting_is_documented_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(PORTAL_[A-Z_]+)` \|", readme, flags=re.MULTILINE))
    expected = {f"PORTAL_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set(), "settings missing from the README's configuration table"
    assert (
        documented - expected - {"PORTAL_TEST_DATABASE_URL", "PORTAL_TEST_REDIS_URL", "PORTAL_TEST_CHROMIUM"} == set()
    )


def test_every_page_has_a_test() -> None:
    tests = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests" / "pages").glob("test_*.py"))
    pages = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
    untested = [page for page in pages if page not in tests and page.split("/")[-1] not in tests]
    assert untested == []


def test_every_message_key_used_in_code_is_in_the_catalogue() -> None:
    used: set[str] = set()
    for directory in SOURCE_DIRS:
        for path in (ROOT / directory).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            used |= set(re.findall(r"""\bt\(\s*"([a-z_]+\.[a-z0-9_.\-]+)\"""", text))
            used |= set(re.findall(r"""(?:Error|Denied|Found|Conflict|invalid)\(\s*"(error\.[a-z_]+)\"""", text))
    assert used, "the scan found no keys: the pattern is broken"
    assert sorted(k for k in used if k not in MESSAGES) == []


def test_every_stored_code_has_a_label_in_both_languages() -> None:
    for prefix, codes in {
        "role": Role,
        "status": CaseStatus,
        "source": CaseSource,
        "level": CaseLevel,
        "activity": ActivityKind,
        "notification": NotificationStatus,
    }.items():
        for code in codes:
            assert has(f"{prefix}.{code.value}"), f"{prefix}.{code.value}"
    assert all(zh.strip() and en.strip() for zh, en in MESSAGES.values())


def test_placeholders_match_between_languages() -> None:
    for key, (zh, en) in MESSAGES.items():
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), key
