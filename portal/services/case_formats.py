"""The case file format shared by import and export: columns, the words for codes, spreadsheet-safe cells.

The headers and words are those of the 小兰 platform's exports, fixed on purpose: a file written today must
read back after the interface's labels change, so they are not taken from the (translatable) catalogue.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from db.models import CaseSource, CaseStatus, CloseReason, Satisfaction
from portal.i18n import LANGUAGES, has, t

# Field name -> Chinese header, in file order. The first twelve are the platform's columns.
IMPORT_COLUMNS: dict[str, str] = {
    "reference": "事件编号",
    "source": "诉求来源",
    "category": "诉求类别",
    "community": "所属社区",
    "grid": "所属网格",
    "reported_at": "上报时间",
    "reporter_name": "诉求人",
    "reporter_phone": "联系电话",
    "description": "诉求内容",
    "status": "办理状态",
    "resolved_at": "办结时间",
    "satisfaction": "满意度",
}
EXPORT_COLUMNS: dict[str, str] = IMPORT_COLUMNS | {
    "level": "办理层级",
    "assignee": "承办人",
    "due_at": "办理时限",
    "close_reason": "关闭原因",
}
REQUIRED_COLUMNS = ("reference", "source", "category", "community", "reported_at", "description")
# Read when present (an exported file carries it), so a case closed for another reason reads back as such.
OPTIONAL_IMPORT_COLUMNS = ("close_reason",)

# Code -> accepted words; the first is the one an export writes.
SOURCE_WORDS: dict[str, tuple[str, ...]] = {
    CaseSource.XIAOLAN: ("小兰平台", "小兰", "小兰公诉平台"),
    CaseSource.LONGQING: ("陇情e通",),
    CaseSource.PATROL: ("网格巡查", "巡查"),
    CaseSource.HOTLINE: ("12345热线", "热线", "12345"),
    CaseSource.WALK_IN: ("来访",),
}
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    CaseStatus.RECEIVED: ("已登记", "待受理"),
    CaseStatus.ACCEPTED: ("已受理",),
    CaseStatus.DISPATCHED: ("已派遣", "已分派"),
    CaseStatus.IN_PROGRESS: ("办理中", "处理中"),
    CaseStatus.RESOLVED: ("已办结", "已解决"),
    CaseStatus.CLOSED: ("已结案", "已回访", "已关闭", "已回访关闭"),
    CaseStatus.REJECTED: ("不予受理",),
}
SATISFACTION_WORDS: dict[str, tuple[str, ...]] = {
    Satisfaction.SATISFIED: ("满意",),
    Satisfaction.BASICALLY_SATISFIED: ("基本满意",),
    Satisfaction.DISSATISFIED: ("不满意",),
}
CLOSE_REASON_WORDS: dict[str, tuple[str, ...]] = {
    CloseReason.RESOLVED: ("已解决",),
    CloseReason.NOT_OUR_RESPONSIBILITY: ("非本单位职责",),
    CloseReason.DUPLICATE: ("重复件",),
    CloseReason.NO_ACTION_NEEDED: ("无需处置",),
    CloseReason.REFERRED_TO_COURT: ("已转诉讼",),
    CloseReason.OUTSTANDING: ("挂账",),
}
LEVEL_WORDS = {"grid": "网格", "community": "社区", "subdistrict": "街道"}

# A spreadsheet runs a cell that starts with one of these as a formula (or DDE command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def normalise(text: str) -> str:
    """The form words are compared in: full-width folded (ＸＬ → XL), case-folded, inner spaces dropped."""
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "")


def vocabulary(prefix: str, words: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Accepted word -> code: each code itself, its file words, and its catalogue labels in every language."""
    found: dict[str, str] = {}
    for code, synonyms in words.items():
        labels = [t(f"{prefix}.{code}", lang) for lang in LANGUAGES] if has(f"{prefix}.{code}") else []
        for word in (str(code), *synonyms, *labels):
            found.setdefault(normalise(word), str(code))
    return found


def word_for(words: Mapping[str, tuple[str, ...]], code: str | None) -> str:
    """The word an export writes for a code (the code itself when it has none; '' for no value)."""
    if not code:
        return ""
    return words[code][0] if code in words else code


def safe_cell(value: str) -> str:
    """Text a spreadsheet shows as text: a leading formula character gets an apostrophe in front."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unsafe_cell(value: str) -> str:
    """Undo `safe_cell` on import, so an exported file reads back exactly as it was written."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value
