"""The case list's free-text search through the text indexes (migration 0008) finds exactly what the plain
`%term%` scan finds: every term length, mixed Chinese and ASCII, LIKE's wildcards, scope and other filters, after
edits and imports."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from db.models import Case
from db.session import get_engine, session_scope
from portal import clock
from portal.services import case_search, cases, workflow
from portal.services.case_export import count_export, export_rows
from portal.services.cases import CaseFilters
from portal.services.orgs import load_tree
from tests.helpers import actor_for, create_case
from tests.services.conftest import FrozenClock, World, local
from tests.services.test_case_import import GOOD, csv_bytes, run_import

# (grid, category, description): the same phrases in two communities, so scope decides.
TEXTS = (
    ("郑家台社区第一网格", "环境卫生", "楼上漏水导致楼下墙面受损，双方协商未果"),
    ("郑家台社区第一网格", "矛盾纠纷", "漏水"),
    ("郑家台社区第二网格", "环境卫生", "水管漏了，楼道积水"),
    ("詹家拐子社区第一网格", "环境卫生", "楼上漏水，墙皮脱落"),
    ("郑家台社区第一网格", "安全隐患", "Wi-Fi 信号塔ABC附近电线裸露"),
    ("詹家拐子社区第一网格", "安全隐患", "abc小区wi-fi设备箱门损坏"),
    ("郑家台社区第二网格", "矛盾纠纷", "编号A_1的井盖缺失，占比100%"),
    ("郑家台社区第二网格", "矛盾纠纷", "井盖缺失，A1号楼"),
    ("郑家台社区第一网格", "环境卫生", "ＡＢＣ全角字母的招牌脱落"),  # full-width: SQLite's LIKE keeps their case
    ("郑家台社区第一网格", "环境卫生", "温度计显示 300 \u212a（开尔文）"),  # KELVIN SIGN, which Unicode folds to "k"
    ("詹家拐子社区第一网格", "矛盾纠纷", 'ΣΊΣΥΦΟΣ 希腊文店招；住户说"太吵"，噪音扰民'),
    ("郑家台社区第二网格", "矛盾纠纷", "邻里因噪音问题发生争执"),
)
TERMS = (
    "漏",
    "水",
    "漏水",
    "楼上漏水",
    "漏水导致",
    "墙面受损，",
    "a",
    "ab",
    "abc",
    "ABC",
    "aBc小区",
    "wi-fi",
    "WI-FI 信号",
    "_",
    "%",
    "A_1",
    "a_1",
    "A%1",
    "100%",
    "0%",
    '"',
    '"太吵"',
    '说"太',
    "ＡＢＣ",
    "ａｂｃ",
    "k",
    "300 k",
    "300 K",
    "300 \u212a",
    "σίσυφος",
    "ΣΊΣ",
    "噪音",
    "噪音扰民",
    "噪音 问题",
    "争执",
    "不存在的内容",
    "-2026",
    "WG-",
    "wg-2026",
    "  漏水导致  ",
    "\\",
)


def ascii_fold(value: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in value)


def contains(term: str, *values: str) -> bool:
    """The plain meaning, for text without letters whose case only some databases fold."""
    return any(ascii_fold(term) in ascii_fold(v) for v in values)


@pytest.fixture
def corpus(world: World, frozen_clock: FrozenClock) -> dict[str, tuple[str, str, str]]:
    """reference -> (grid, category, description) for the cases of TEXTS, reported a day apart."""
    made = {}
    with session_scope(write=True) as session:
        actor = actor_for(session, "staff")
        for day, (grid, category, description) in enumerate(TEXTS, start=1):
            reference = create_case(
                session,
                actor,
                org_id=world.nodes[grid],
                category_id=world.categories[category],
                description=description,
                reported_at=local(2026, 3, day, 9),
            )
            made[reference] = (grid, category, description)
    return made


def found(username: str, filters: CaseFilters, page_size: int = 500) -> tuple[list[str], int]:
    with session_scope() as session:
        page = cases.list_cases(
            session=session, actor=actor_for(session, username), filters=filters, page_size=page_size
        )
    return [row.reference for row in page.rows], page.total


def scanned(username: str, filters: CaseFilters) -> list[str]:
    """What the plain `%term%` scan returns (no dialect: no text index), newest first."""
    with session_scope() as session:
        actor = actor_for(session, username)
        conditions = cases.case_conditions(load_tree(session=session), actor, filters, clock.now())
        stmt = select(Case.reference).where(*conditions).order_by(col(Case.reported_at).desc(), col(Case.id).desc())
        return list(session.exec(stmt).all())


def test_every_term_finds_what_the_scan_finds_for_every_scope(corpus: dict[str, tuple[str, str, str]]) -> None:
    for username in ("staff", "leader.zjt", "grid", "gw.zhanjiaguaizi-1"):
        for term in TERMS:
            filters = CaseFilters(search=term)
            listed, total = found(username, filters)
            expected = scanned(username, filters)
            assert (listed, total) == (expected, len(expected)), (username, term)
    # The scan itself means what it always meant (checked here where no database folds more than ASCII).
    for term in ("漏水", "abc", "ABC", "wi-fi", "A_1", "100%", '"太吵"', "WG-"):
        expected = {ref for ref, (_g, _c, description) in corpus.items() if contains(term, ref, description)}
        assert set(found("staff", CaseFilters(search=term))[0]) == expected, term
    assert found("staff", CaseFilters(search="漏水"))[1] == 2 + 1  # two in 郑家台, one in 詹家拐子 ("水管漏了" not)
    assert found("grid", CaseFilters(search="漏水"))[1] == 2  # the grid worker's own grid only
    assert found("staff", CaseFilters(search="A%1"))[1] == 0  # "%" is a percent sign, not "anything"
    assert found("staff", CaseFilters(search="ＡＢＣ"))[1] == 1


def test_search_combines_with_the_other_filters(corpus: dict[str, tuple[str, str, str]], world: World) -> None:
    combos: list[dict[str, Any]] = [
        {"category_id": world.categories["环境卫生"]},
        {"org_id": world.nodes["詹家拐子社区"]},
        {"org_id": world.nodes["郑家台社区第一网格"], "org_exact": True},
        {"date_from": date(2026, 3, 2), "date_to": date(2026, 3, 9)},
        {"statuses": ("received",)},
        {"statuses": ("closed",)},
        {"source": "hotline"},
        {"sort": "oldest"},
    ]
    for extra in combos:
        for term in ("漏", "漏水", "漏水导致", "abc", "噪音扰民", "-2026"):
            filters = CaseFilters(search=term, **extra)
            listed, total = found("staff", filters)
            expected = scanned("staff", filters)
            if extra.get("sort") == "oldest":
                expected.reverse()
            assert (listed, total) == (expected, len(expected)), (term, extra)


def test_the_export_searches_the_same_way(corpus: dict[str, tuple[str, str, str]]) -> None:
    for term in ("漏水", "楼上漏水", "abc", "100%"):
        filters = CaseFilters(search=term)
        with session_scope() as session:
            actor = actor_for(session, "leader.zjt")
            exported = [row.reference for row in export_rows(session=session, actor=actor, filters=filters)]
            assert count_export(session=session, actor=actor, filters=filters) == len(exported)
        assert exported == scanned("leader.zjt", filters), term


def test_an_edited_case_is_found_by_its_new_text_only(world: World, frozen_clock: FrozenClock) -> None:
    with session_scope(write=True) as session:
        reference = create_case(session, actor_for(session, "staff"), description="路灯不亮，夜间出行不便")
    assert found("staff", CaseFilters(search="路灯不亮"))[0] == [reference]
    assert found("staff", CaseFilters(search="tmp-"))[1] == 0  # the placeholder reference it was inserted with
    with session_scope(write=True) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        workflow.update_case(
            session=session,
            actor=actor_for(session, "staff"),
            reference=reference,
            expected_version=case.version,
            data={"description": "井盖松动，存在安全隐患"},
        )
    assert found("staff", CaseFilters(search="路灯不亮"))[1] == 0
    assert found("staff", CaseFilters(search="井盖松动"))[0] == [reference]
    assert found("staff", CaseFilters(search="井盖"))[0] == [reference]
    _index_agrees_with_the_table()


def test_imported_cases_are_found(world: World, frozen_clock: FrozenClock) -> None:
    assert run_import(csv_bytes(GOOD)).imported == 3
    assert found("staff", CaseFilters(search="噪音扰民"))[0] == ["RX-0002"]
    assert found("staff", CaseFilters(search="xl-0001"))[0] == ["XL-0001"]
    assert found("staff", CaseFilters(search="井盖缺失"))[0] == ["WG-0003"]
    assert run_import(csv_bytes(GOOD)).imported == 0  # all duplicates: nothing indexed twice
    assert found("staff", CaseFilters(search="-000"))[1] == 3
    _index_agrees_with_the_table()


def test_pages_read_along_other_indexes_equal_pages_fetched_by_id(
    corpus: dict[str, tuple[str, str, str]], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the thresholds at 1 every SQLite term counts as common: counts and pages are read along the scope's
    # or the newest-first index instead of by the matches' ids. Same rows, same order, same totals.
    cases_by = [
        ("staff", CaseFilters(search="-2026")),
        ("staff", CaseFilters(search="wg-2026", sort="oldest")),
        ("leader.zjt", CaseFilters(search="-2026")),
        ("staff", CaseFilters(search="漏水导致", category_id=world.categories["环境卫生"])),
        ("grid", CaseFilters(search="-2026", sort="due")),
    ]
    by_id = [[found_page(username, filters, page) for page in (1, 2, 3)] for username, filters in cases_by]
    monkeypatch.setattr(case_search, "COMMON_FROM", 1)
    monkeypatch.setattr(case_search, "WALK_DENSITY", 1)
    walked = [[found_page(username, filters, page) for page in (1, 2, 3)] for username, filters in cases_by]
    assert walked == by_id
    assert sum(len(rows) for rows, _total in by_id[0]) == len(TEXTS)


def found_page(username: str, filters: CaseFilters, page: int) -> tuple[list[str], int]:
    with session_scope() as session:
        listed = cases.list_cases(
            session=session, actor=actor_for(session, username), filters=filters, page=page, page_size=5
        )
    return [row.reference for row in listed.rows], listed.total


def test_terms_of_three_characters_use_the_index(corpus: dict[str, tuple[str, str, str]]) -> None:
    engine = get_engine()
    with engine.connect() as conn:
        actor = actor_for_conn()
        for term, indexed in (("漏水导", True), ("abc", True), ("漏水", False)):
            filters = CaseFilters(search=term)
            with session_scope() as session:
                conditions = cases.case_conditions(
                    load_tree(session=session), actor, filters, clock.now(), dialect=engine.dialect.name
                )
            stmt = select(Case.id).where(*conditions)
            sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
            if engine.dialect.name == "sqlite":
                plan = " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
                assert ("VIRTUAL TABLE" in plan) is indexed, (term, plan)
            elif indexed:  # PostgreSQL decides by itself; for a shorter term the index would only be read whole
                conn.execute(text("SET LOCAL enable_seqscan = off"))  # a dozen rows: a scan is cheaper otherwise
                plan = " ".join(r[0] for r in conn.execute(text(f"EXPLAIN {sql}")))
                assert "ix_case_search_description" in plan, (term, plan)


def actor_for_conn() -> Any:
    with session_scope() as session:
        return actor_for(session, "staff")


def _index_agrees_with_the_table() -> None:
    """SQLite: the FTS index holds exactly the table's current texts (raises if not)."""
    engine = get_engine()
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO case_search (case_search, rank) VALUES ('integrity-check', 1)"))
        indexed = conn.execute(text("SELECT count(*) FROM case_search_docsize")).scalar()
        assert indexed == conn.execute(text("SELECT count(*) FROM case_record")).scalar()


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("漏水", True),
        ("噪音 问题，100%_", True),
        ("１２３", True),
        ("abc", False),
        ("漏水A", False),
        ("ａ", False),  # full-width letters have case
        ("Ⓐ", False),  # a symbol with a lowercase form
        ("σ", False),
        ("\u0307", False),  # a combining mark: ICU lowers İ to i + U+0307
    ],
)
def test_only_terms_without_case_skip_lowering_on_postgresql(term: str, expected: bool) -> None:
    assert case_search.caseless(term) is expected
