"""The low-code engine's proof: a record kind declared only in this test gets a working page with no page file.

Staff create a record, are refused bad input (with the message under the field, nothing saved), find it in the
list, edit it, and export the list; the audit log has each change.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date, datetime

import pytest
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel, func, select
from streamlit.testing.v1 import AppTest

from db.models import AuditEntry, Role
from db.session import get_engine, session_scope
from portal.i18n import t
from portal.kinds import choices
from portal.lowcode import checks, transfer
from portal.lowcode.declare import REGISTRY, Permissions, RecordKind, register
from portal.lowcode.declare import Field as Declared
from portal.lowcode.records import Query
from tests.helpers import actor_for, node
from tests.pages.conftest import open_url, widget


class _TestOnly(SQLModel, registry=registry()):
    """A base whose tables live in their own metadata: the schema check never sees this model."""


class Gadget(_TestOnly, table=True):
    __tablename__ = "test_gadget"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40)
    org_id: int
    count: int = Field(default=0, ge=0, le=100)
    bought_on: date | None = None
    created_at: datetime | None = None
    version: int = 1
    deleted_at: datetime | None = None


HANDLERS = frozenset({Role.STAFF, Role.ADMIN})
GADGETS = RecordKind(
    key="gadget",
    model=Gadget,
    title="org.name",  # any catalogue key will do for a title
    fields=(
        Declared("name", "org.name"),
        Declared("org_id", "activity.org", choices=choices.org_nodes),
        Declared("count", "activity.participants"),
        Declared("bought_on", "corrective.due_on"),
    ),
    permissions=Permissions(view=frozenset(Role), create=HANDLERS, edit=HANDLERS, delete=HANDLERS),
    search=("name",),
    filters=("org_id",),
    sort=("name", "count"),
    record_label="name",
)


@pytest.fixture
def gadgets(demo_database: str) -> Iterator[None]:
    """The test-only kind, registered, with its table in the test database."""
    Gadget.metadata.create_all(get_engine())
    register(GADGETS)
    yield
    REGISTRY.pop("gadget", None)
    checks.forget_forms()


def stored() -> list[Gadget]:
    with session_scope() as session:
        return list(session.exec(select(Gadget).order_by(Gadget.id)).all())  # type: ignore[arg-type]


def new_form(at: AppTest, *, name: str, org: str, count: int) -> AppTest:
    widget(at.text_input, "lc_gadget_new_0_name").input(name)
    widget(at.selectbox, "lc_gadget_new_0_org_id").select(org_id(org))
    widget(at.number_input, "lc_gadget_new_0_count").set_value(count)
    return next(b for b in at.button if b.label == t("records.save", "zh")).click().run()


def org_id(name: str) -> int:
    with session_scope() as session:
        found = node(session, name).id
    assert found is not None
    return found


def test_a_kind_declared_in_a_test_gets_a_working_page(gadgets: None, logged_in: Callable[[str], AppTest]) -> None:
    at = open_url(logged_in("staff"), "gadget")
    assert not at.exception, at.exception
    assert t("org.name", "zh") in [title.value for title in at.title]

    # Bad input: refused with the message under each bad field, nothing saved.
    new_form(at, name="   ", org="郑家台社区", count=-1)
    assert stored() == []
    assert at.error[0].value == t("error.invalid_input", "zh", count=2)
    notes = " ".join(c.value for c in at.caption)
    assert t("error.required", "zh") in notes
    assert t("error.too_small", "zh", limit=0) in notes

    # Create: saved, said so, listed with the unit's name.
    at = new_form(at, name="=HYPERLINK(1)", org="郑家台社区", count=3)
    assert [(g.name, g.count) for g in stored()] == [("=HYPERLINK(1)", 3)]
    assert at.success[0].value == t("records.saved", "zh")
    listed = at.main.dataframe[0].value
    assert listed.iloc[0][t("org.name", "zh")] == "=HYPERLINK(1)"
    assert listed.iloc[0][t("activity.org", "zh")] == "郑家台社区"

    # Edit: open it, change the count, save.
    (gadget,) = stored()
    widget(at.selectbox, "lc_gadget_open").select(gadget.id).run()
    prefix = f"lc_gadget_edit_{gadget.id}_1_0"
    assert widget(at.number_input, f"{prefix}_count").value == 3
    widget(at.number_input, f"{prefix}_count").set_value(7)
    at = next(b for b in at.button if b.label == t("records.update", "zh")).click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == t("records.updated", "zh")
    assert [(g.count, g.version) for g in stored()] == [(7, 2)]
    assert at.main.dataframe[0].value.iloc[0][t("activity.participants", "zh")] == 7

    # Export: the page offers the list as CSV and Excel; the CSV is the list, safe to open in a spreadsheet.
    assert [b.label for b in at.download_button] == [t("records.export_csv", "zh"), t("records.export_xlsx", "zh")]
    # Made on click, not on every rerun of the list: the buttons hold no file yet, only the promise of one.
    assert all(b.proto.deferred_file_id and not b.proto.url for b in at.download_button)
    exported = exported_csv("staff").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0] == [t(k, "zh") for k in ("org.name", "activity.org", "activity.participants", "corrective.due_on")]
    assert rows[1] == ["'=HYPERLINK(1)", "郑家台社区", "7", ""]

    with session_scope() as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.kind == "gadget").order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_name, e.changes) for e in entries] == [
        (
            "create",
            "张敏（综治中心）",
            {"name": [None, "=HYPERLINK(1)"], "org_id": [None, org_id("郑家台社区")], "count": [None, 3]},
        ),
        ("update", "张敏（综治中心）", {"count": [3, 7]}),
    ]


def test_a_leader_sees_the_list_but_no_form(gadgets: None, logged_in: Callable[[str], AppTest]) -> None:
    with session_scope(write=True) as session:
        session.add(Gadget(name="消防水带", org_id=org_id("郑家台社区"), count=2))
    at = open_url(logged_in("leader"), "gadget")
    assert not at.exception, at.exception
    assert list(at.main.dataframe[0].value[t("org.name", "zh")]) == ["消防水带"]
    assert t("records.save", "zh") not in [b.label for b in at.button]
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(AuditEntry)).one() == 0


def exported_csv(username: str) -> bytes:
    """What the page's CSV button serves: the export of the list as it is shown (no search, default order)."""
    with session_scope() as session:
        actor = actor_for(session, username)
        return transfer.export_records(session=session, actor=actor, kind="gadget", fmt="csv", query=Query())
