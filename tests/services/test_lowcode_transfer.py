"""Import and export of engine-managed records: an exported file reads back; bad rows are named by row number,
good rows saved together; a dry run saves nothing."""

from __future__ import annotations

from sqlmodel import select

from db.models import Category
from db.session import session_scope
from portal.lowcode import transfer
from portal.lowcode.records import Query
from tests.helpers import actor_for
from tests.services.conftest import World

HEADER = "编码,诉求类别,英文名称,办理时限（天）,排序,启用"


def run_import(data: bytes, filename: str = "类别.csv", dry_run: bool = False) -> transfer.ImportResult:
    with session_scope(write=True) as session:
        return transfer.import_records(
            session=session,
            actor=actor_for(session, "admin"),
            kind="category",
            data=data,
            filename=filename,
            dry_run=dry_run,
            lang="zh",
        )


def names() -> list[str]:
    with session_scope() as session:
        return [c.name for c in session.exec(select(Category).order_by(Category.id)).all()]  # type: ignore[arg-type]


def test_good_rows_are_imported_and_bad_ones_named_by_row(world: World) -> None:
    before = names()
    data = "\n".join(
        [
            HEADER,
            "street_lights,路灯照明,Street lights,5,10,是",
            "Bad Code,噪音扰民,Noise,0,11,是",  # row 3: bad code, SLA below 1
            "parking,环境卫生,Parking,3,12,否",  # row 4: the name is taken
            "parking2,停车管理,Parking,3,13,也许",  # row 5: not a yes/no
        ]
    ).encode("gbk")
    assert run_import(data, dry_run=True).imported == 1
    assert names() == before  # the dry run saved nothing
    result = run_import(data)
    assert result.imported == 1
    assert [(e.row, e.field) for e in result.errors] == [
        (3, "code"),
        (3, "sla_days"),
        (4, "name"),
        (5, "active"),
    ]
    assert names() == [*before, "路灯照明"]


def test_an_export_reads_back_as_the_same_records(world: World) -> None:
    with session_scope() as session:
        admin = actor_for(session, "admin")
        files = {
            fmt: transfer.export_records(session=session, actor=admin, kind="category", fmt=fmt, query=Query())
            for fmt in transfer.FORMATS
        }
    for fmt, exported in files.items():
        with session_scope(write=True) as session:  # make room: rename every category so the file's names are free
            for category in session.exec(select(Category)).all():
                category.code, category.name = f"old_{category.id}_{fmt}", f"旧{category.id}{fmt}"
                session.add(category)
        result = run_import(exported, filename=f"categories.{fmt}")
        assert (result.imported, result.errors) == (4, [])
        with session_scope() as session:
            fresh = session.exec(select(Category).where(Category.name == "旧分类")).one()
        assert (fresh.code, fresh.sla_days, fresh.active) == ("legacy", 7, False)
