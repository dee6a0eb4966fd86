"""Declaring a record kind: a SQLModel class plus field metadata, registered with one line.

    register(RecordKind(key="category", model=Category, title="page.category", fields=(...), ...))

gives that kind an entry form, a list (search, filters, sort, pages), a detail/edit view, soft delete,
CSV/XLSX import and export, an audit log and role permissions, with no page of its own. The names follow
sqladmin's (`column_list` → `list_columns`, `column_searchable_list` → `search`, ...), shortened.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlmodel import Session, SQLModel

from db.models import Role
from portal.i18n import label, t
from portal.services.actor import Actor

Choices = Callable[[Session, Actor], list[tuple[Any, str]]]  # (stored value, label), in the order shown
Errors = dict[str, tuple[str, dict[str, Any]]]  # field -> (message key, params), as InvalidInput takes them
Rule = Callable[[Session, Mapping[str, Any]], Errors]  # a check across fields, on the values that passed their own
# A check of an edit that needs who makes it and which record it is (an admin editing their own account).
EditRule = Callable[[Session, Actor, int, Mapping[str, Any]], Errors]
WIDGETS = ("text", "textarea", "number", "integer", "date", "datetime", "select", "checkbox", "password")


def enum_choices(enum: type[Enum], prefix: str) -> Choices:
    """Choices from an enum, labelled by the catalogue (`prefix.code`)."""

    def choices(_session: Session, _actor: Actor) -> list[tuple[Any, str]]:
        return [(member.value, label(prefix, str(member.value))) for member in enum]

    return choices


@dataclass(frozen=True)
class Field:
    """One form field: a column of the model with what the form and list need to know about it.

    Type, length and bounds come from the model's own Field(...); `min`/`max`/`required` override them here.
    """

    name: str
    label: str  # catalogue key
    help: str | None = None  # catalogue key
    widget: str | None = None  # one of WIDGETS; inferred from the column's type when None
    choices: Choices | None = None
    required: bool | None = None  # None: required when the column is not nullable and has no default
    min: float | None = None
    max: float | None = None
    editable: bool = True  # False: set when the record is created, shown read-only afterwards
    default: Any = None
    clean: Callable[[Any], Any] | None = None  # normalises a valid value before the other checks (str.lower)
    # Asked for on the new-record form only and not a column (an initial password): `on_create` turns it into
    # columns. Never listed, exported, imported, shown again or written to the audit log.
    create_only: bool = False
    read_only: bool = False  # a column the form never sets (a last login): listed and shown, changed by actions


@dataclass(frozen=True)
class Action:
    """A button in a record's detail view running a service on that record (unlock, reset a password).

    The engine checks `roles` and `applies` again in the service layer and writes the audit entry.
    """

    key: str  # the audit log's name for it (letters, digits, _)
    label: str  # catalogue key of the button
    run: Callable[[Session, Actor, Any], str]  # does it in the caller's transaction; returns the message to show
    roles: frozenset[Role]
    applies: Callable[[Any], bool] = lambda _row: True  # whether the record's state allows it


@dataclass(frozen=True)
class View:
    """A named subset of a kind's list the filters cannot express (overdue actions): picked on the list, in a URL."""

    label: str  # catalogue key
    where: Callable[[], list[Any]]  # SQL conditions on the kind's model, computed when the list is read


@dataclass(frozen=True)
class Permissions:
    """Roles allowed each action; org scope is applied on top (see RecordKind.scope)."""

    view: frozenset[Role]
    create: frozenset[Role] = frozenset()
    edit: frozenset[Role] = frozenset()
    delete: frozenset[Role] = frozenset()

    def allows(self, role: Role | str, action: str) -> bool:
        return Role(role) in getattr(self, action)


@dataclass(frozen=True)
class RecordKind:
    """Everything the engine knows about one kind of record."""

    key: str  # the page's url path, the audit log's name for the kind (letters, digits, _)
    model: type[SQLModel]
    title: str  # catalogue key of the page title
    fields: tuple[Field, ...]  # the form, in order
    permissions: Permissions
    list_columns: tuple[str, ...] = ()  # default: every field
    search: tuple[str, ...] = ()  # text columns the search box looks in
    filters: tuple[str, ...] = ()  # choice, date and yes/no fields offered as filters
    sort: tuple[str, ...] = ()  # sortable columns; the first is the default order, "-" for descending
    views: Mapping[str, View] = field(default_factory=dict)  # name -> a subset offered next to the filters
    scope: str | None = "org_id"  # column naming the org node a record belongs to; None: not scoped
    fixed: Mapping[str, Any] = field(default_factory=dict)  # column values every record of this kind has
    rules: tuple[Rule, ...] = ()
    edit_rules: tuple[EditRule, ...] = ()  # run on edits only, after `rules`
    derive: Callable[[Session, dict[str, Any]], None] | None = None  # fills computed columns before a save
    # On create: the checked values (create-only fields included) -> columns stored but never audited.
    on_create: Callable[[Session, dict[str, Any]], dict[str, Any]] | None = None
    actions: tuple[Action, ...] = ()
    record_label: str = "title"  # the column naming a record in pickers
    attachments: bool = False
    section: str = "records"  # navigation group: "activities" or "admin"
    icon: str = ":material/table_view:"
    help: str | None = None  # catalogue key of a note shown under the title

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.list_columns or tuple(f.name for f in self.fields if not f.create_only)

    def form_fields(self, creating: bool) -> tuple[Field, ...]:
        """The fields a form sets: never the read-only ones; the create-only ones on the new-record form."""
        return tuple(f for f in self.fields if not f.read_only and (creating or not f.create_only))

    def column_type(self, name: str) -> type:
        """The Python type of a column, without Optional (text for a create-only field)."""
        if name not in self.model.model_fields:
            return str
        annotation = self.model.model_fields[name].annotation
        if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        assert isinstance(annotation, type), (self.key, name, annotation)
        return annotation

    def widget(self, name: str) -> str:
        spec = self.field(name)
        if spec.widget:
            return spec.widget
        if spec.choices is not None:
            return "select"
        kind = self.column_type(name)
        if kind is bool:
            return "checkbox"
        if kind is int:
            return "integer"
        if kind is float:
            return "number"
        if kind is datetime:
            return "datetime"
        if kind is date:
            return "date"
        return "text"

    def is_required(self, name: str) -> bool:
        spec = self.field(name)
        if spec.required is not None:
            return spec.required
        if name not in self.model.model_fields:
            return True
        return self.model.model_fields[name].is_required()

    def label_of(self, name: str, lang: str | None = None) -> str:
        return t(self.field(name).label, lang)


REGISTRY: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> RecordKind:
    """Make a kind known to the router, the services and the audit log (a second registration replaces it)."""
    for name in (*kind.columns, *kind.search, *kind.filters, *(s.lstrip("-") for s in kind.sort)):
        if kind.field(name).create_only:  # a StopIteration here names a column the form does not declare
            raise ValueError(f"{kind.key}.{name}: a create-only field is never listed, searched or sorted")
    for spec in kind.fields:
        if spec.create_only == (spec.name in kind.model.model_fields):
            raise ValueError(f"{kind.key}.{spec.name}: create-only exactly when the model has no such column")
    if kind.on_create is None and any(f.create_only for f in kind.fields):
        raise ValueError(f"{kind.key}: create-only fields need an on_create hook to store them")
    REGISTRY[kind.key] = kind
    return kind


def get_kind(key: str) -> RecordKind:
    """The registered kind `key` (KeyError when there is none)."""
    return REGISTRY[key]


def kinds_for(role: Role | str, section: str | None = None) -> list[RecordKind]:
    """The registered kinds the role may view, in registration order."""
    return [k for k in REGISTRY.values() if k.permissions.allows(role, "view") and section in (None, k.section)]
