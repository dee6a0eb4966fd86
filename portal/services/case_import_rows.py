"""One spreadsheet row -> the columns of a new case, or every reason (field and message) it cannot be one."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from pydantic_core import PydanticCustomError

from db.models import CaseLevel, CaseStatus, Category, CloseReason, OrgKind, OrgNode
from portal import clock
from portal.defaults import MAX_DESCRIPTION_LENGTH
from portal.i18n import label, t
from portal.services.actor import Actor
from portal.services.case_formats import (
    CLOSE_REASON_WORDS,
    EXPORT_COLUMNS,
    SATISFACTION_WORDS,
    SOURCE_WORDS,
    STATUS_WORDS,
    normalise,
    unsafe_cell,
    vocabulary,
)
from portal.services.orgs import OrgTree
from portal.services.validation import check_phone

MAX_REFERENCE_LENGTH = 40
MAX_NAME_LENGTH = 64
FUTURE_GRACE = timedelta(minutes=5)  # clocks differ a little between the platform and us
LEVEL_OF_KIND = {OrgKind.GRID: CaseLevel.GRID, OrgKind.COMMUNITY: CaseLevel.COMMUNITY}
# 2026-03-05 14:22, 2026/3/5 14:22:05, 2026.3.5, 2026年3月5日 14:22
_WHEN = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})\s*[:：]\s*(\d{1,2})(?:\s*[:：]\s*(\d{1,2})(?:\.\d+)?)?)?"
)
_EXCEL_DAYS = (1, 2_958_465)  # the serial numbers Excel has dates for (1900-01-01 .. 9999-12-31)
_COLUMN_ORDER = {name: index for index, name in enumerate(EXPORT_COLUMNS)}  # a row's problems in column order

Problems = list[tuple[str, str]]  # (field, message)


def text(value: Any) -> str:
    """A cell as text: numbers without a spurious '.0' (Excel stores phone numbers as numbers), trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unsafe_cell(str(value)).strip()


def parse_when(value: Any, tz: tzinfo) -> datetime | None:
    """An instant from a date cell or text, read as office-local time; None when empty; ValueError when unreadable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=tz)
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A number in a date column of a workbook: an Excel serial day whose cell lost its date format.
        if not _EXCEL_DAYS[0] <= value <= _EXCEL_DAYS[1]:
            raise ValueError(value)
        return datetime(1899, 12, 30, tzinfo=tz) + timedelta(days=float(value))
    raw = str(value).strip()
    match = _WHEN.fullmatch(raw)
    if match:
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    parsed = datetime.fromisoformat(raw)  # ISO 8601, possibly with an offset
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


class RowReader:
    """Reads rows against the org tree, the categories and the importing actor's scope (loaded once per file)."""

    def __init__(
        self, *, tree: OrgTree, actor: Actor, categories: list[Category], now: datetime, lang: str | None
    ) -> None:
        self.tree, self.actor, self.now, self.lang = tree, actor, now, lang
        self.tz = clock.local_tz()
        self.units: dict[str, OrgNode] = {}
        self.grids: dict[str, OrgNode] = {}
        for node in tree.nodes.values():
            found = self.grids if node.kind == OrgKind.GRID else self.units
            found.setdefault(normalise(node.name), node)
            found.setdefault(normalise(node.code), node)
        self.categories: dict[str, Category] = {}
        for category in categories:
            for word in (category.name, category.code, category.name_en):
                self.categories.setdefault(normalise(word), category)
        self.sources = vocabulary("source", SOURCE_WORDS)
        self.statuses = vocabulary("status", STATUS_WORDS)
        self.satisfactions = vocabulary("satisfaction", SATISFACTION_WORDS)
        self.close_reasons = vocabulary("close_reason", CLOSE_REASON_WORDS)

    def _say(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    def read(self, raw: dict[str, Any]) -> tuple[dict[str, Any], Problems]:
        """The case columns this row gives, and its problems (the columns are only usable when there are none)."""
        problems: Problems = []
        values: dict[str, Any] = {}
        self._texts(raw, values, problems)
        self._coded(raw, values, problems)
        self._place(raw, values, problems)
        self._times(raw, values, problems)
        if not any(f in ("status", "resolved_at", "close_reason", "satisfaction") for f, _ in problems):
            self._status(values, problems)
        return values, sorted(problems, key=lambda p: _COLUMN_ORDER.get(p[0], len(_COLUMN_ORDER)))

    def _texts(self, raw: dict[str, Any], values: dict[str, Any], problems: Problems) -> None:
        limits = {"reference": MAX_REFERENCE_LENGTH, "description": MAX_DESCRIPTION_LENGTH}
        limits["reporter_name"] = MAX_NAME_LENGTH
        for field, limit in limits.items():
            value = text(raw.get(field))
            if not value and field != "reporter_name":
                problems.append((field, self._say("error.required")))
            elif len(value) > limit:
                problems.append((field, self._say("error.too_long", limit=limit)))
            values[field] = value or None
        try:
            values["reporter_phone"] = check_phone(text(raw.get("reporter_phone")))
        except PydanticCustomError:
            problems.append(("reporter_phone", self._say("error.phone_format")))

    def _coded(self, raw: dict[str, Any], values: dict[str, Any], problems: Problems) -> None:
        source = text(raw.get("source"))
        values["source"] = self.sources.get(normalise(source))
        if not source:
            problems.append(("source", self._say("error.required")))
        elif values["source"] is None:
            problems.append(("source", self._say("error.import_source", value=_shown(source))))
        name = text(raw.get("category"))
        category = self.categories.get(normalise(name))
        if not name:
            problems.append(("category", self._say("error.required")))
        elif category is None:
            problems.append(("category", self._say("error.import_category", value=_shown(name))))
        elif not category.active:
            problems.append(("category", self._say("error.import_category_inactive", value=category.name)))
        else:
            values["category_id"] = category.id
        for field, words in (("status", self.statuses), ("satisfaction", self.satisfactions)):
            word = text(raw.get(field))
            values[field] = words.get(normalise(word)) if word else None
            if word and values[field] is None:
                problems.append((field, self._say(f"error.import_{field}", value=_shown(word))))
        word = text(raw.get("close_reason"))
        values["close_reason"] = self.close_reasons.get(normalise(word)) if word else None
        if word and values["close_reason"] is None:
            problems.append(("close_reason", self._say("error.import_close_reason", value=_shown(word))))

    def _place(self, raw: dict[str, Any], values: dict[str, Any], problems: Problems) -> None:
        unit_name, grid_name = text(raw.get("community")), text(raw.get("grid"))
        unit = self.units.get(normalise(unit_name))
        if not unit_name:
            problems.append(("community", self._say("error.required")))
        elif unit is None:
            problems.append(("community", self._say("error.import_community", value=_shown(unit_name))))
        grid = None
        if grid_name:
            # The platform may give a grid by its short name (第一网格) under its community.
            grid = self.grids.get(normalise(grid_name)) or (unit and self.grids.get(normalise(unit.name + grid_name)))
            if grid is None:
                problems.append(("grid", self._say("error.import_grid", value=_shown(grid_name))))
                return
            if unit is not None and grid.parent_id != unit.id:
                problems.append(("grid", self._say("error.import_grid_parent", grid=grid.name, community=unit.name)))
                return
        node, field = (grid, "grid") if grid is not None else (unit, "community")
        if node is None or node.id is None:
            return
        if not self.tree.contains(self.actor.org_id, node.id):
            problems.append((field, self._say("error.import_out_of_scope", node=node.name)))
        elif not node.active:
            problems.append((field, self._say("error.org_inactive", node=node.name)))
        else:
            values["org_id"] = node.id
            values["level"] = LEVEL_OF_KIND.get(OrgKind(node.kind), CaseLevel.SUBDISTRICT).value

    def _times(self, raw: dict[str, Any], values: dict[str, Any], problems: Problems) -> None:
        for field in ("reported_at", "resolved_at"):
            cell = raw.get(field)
            try:
                values[field] = parse_when(cell, self.tz)
            except (ValueError, OverflowError):
                problems.append((field, self._say("error.import_date", value=_shown(text(cell)))))
                values[field] = False  # unreadable (None means empty)
        reported, resolved = values["reported_at"], values["resolved_at"]
        if reported is None:
            problems.append(("reported_at", self._say("error.required")))
        elif reported and reported > self.now + FUTURE_GRACE:
            problems.append(("reported_at", self._say("error.in_future")))
        if resolved and reported and resolved < reported:
            problems.append(("resolved_at", self._say("error.import_resolved_before_reported")))
        elif resolved and resolved > self.now + FUTURE_GRACE:
            problems.append(("resolved_at", self._say("error.import_resolved_in_future")))
        if reported:
            values["reported_on"] = clock.local_day(reported)

    def _status(self, values: dict[str, Any], problems: Problems) -> None:
        """Status, resolved time, close reason and satisfaction must tell one story."""
        resolved = values["resolved_at"] or None
        status = values["status"] or (CaseStatus.RESOLVED.value if resolved else CaseStatus.RECEIVED.value)
        values["status"] = status
        if values["close_reason"] and status != CaseStatus.CLOSED:
            problems.append(("close_reason", self._say("error.import_close_reason_unexpected")))
            return
        reason = values["close_reason"] or (CloseReason.RESOLVED.value if status == CaseStatus.CLOSED else None)
        solved = status == CaseStatus.RESOLVED or reason == CloseReason.RESOLVED
        shown = label("status", status, self.lang)
        if solved and resolved is None:
            problems.append(("resolved_at", self._say("error.import_resolved_missing", status=shown)))
        elif not solved and resolved is not None:
            problems.append(("resolved_at", self._say("error.import_resolved_unexpected", status=shown)))
        if values["satisfaction"] and not (status == CaseStatus.CLOSED and solved):
            problems.append(("satisfaction", self._say("error.import_satisfaction_unexpected")))
        values["close_reason"] = reason
        # The file has no closing time: the resolution's, or else the earliest consistent one (the report's),
        # which keeps a historic import out of this month's figures.
        values["closed_at"] = (resolved or values["reported_at"] or None) if status == CaseStatus.CLOSED else None


def _shown(value: str) -> str:
    """A cell quoted in a message, cut short."""
    return value if len(value) <= 30 else value[:29] + "…"
