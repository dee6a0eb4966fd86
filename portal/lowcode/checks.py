"""A record kind's form data -> the column values to save, or InvalidInput naming every bad field.

Field by field with pydantic (a model built from the declaration), then choices, org scope, uniqueness,
and the kind's rules across fields: all errors of one submission come back together.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Any

import annotated_types
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, ValidationInfo, create_model, field_validator
from sqlalchemy import UniqueConstraint, func
from sqlmodel import Session, col, select

from portal.lowcode.declare import Errors, RecordKind, get_kind
from portal.services.actor import Actor
from portal.services.errors import InvalidInput
from portal.services.orgs import load_tree, placement_errors
from portal.services.validation import invalid, validate


class _Form(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_missing(cls, value: Any, info: ValidationInfo) -> Any:
        # A blank text box means "no value": refused with "required" where one is needed, None elsewhere.
        if isinstance(value, str) and not value.strip():
            value = None
        if value is None and info.field_name and cls.model_fields[info.field_name].is_required():
            raise invalid("error.required")
        return value


@cache
def _annotations(key: str) -> dict[str, Any]:
    """Field -> its type with bounds: the SQLModel column's, with the kind's min/max overriding."""
    kind = get_kind(key)
    found: dict[str, Any] = {}
    for spec in kind.fields:
        base = kind.column_type(spec.name)
        column = kind.model.model_fields.get(spec.name)
        bounds = [m for m in column.metadata if isinstance(m, annotated_types.BaseMetadata)] if column else []
        if spec.min is not None:
            bounds = [b for b in bounds if not isinstance(b, annotated_types.Ge)] + [annotated_types.Ge(spec.min)]
        if spec.max is not None:
            bounds = [b for b in bounds if not isinstance(b, annotated_types.Le)] + [annotated_types.Le(spec.max)]
        found[spec.name] = Annotated[(base, *bounds)] if bounds else base
    return found


@cache
def form_model(key: str, creating: bool = True) -> type[BaseModel]:
    """The pydantic model checking one kind's form (new-record or edit)."""
    kind = get_kind(key)
    annotations = _annotations(key)
    fields: dict[str, Any] = {}
    for spec in kind.form_fields(creating):
        annotation = annotations[spec.name]
        fields[spec.name] = (annotation, ...) if kind.is_required(spec.name) else (annotation | None, None)
    return create_model(f"{key}_form", __base__=_Form, **fields)


def forget_forms() -> None:
    """Drop the built form models (a test re-registering a kind under the same key)."""
    _annotations.cache_clear()
    form_model.cache_clear()


def checked(
    session: Session, actor: Actor, kind: RecordKind, data: dict[str, Any], record_id: int | None = None
) -> dict[str, Any]:
    """The column values a form gives, checked; raises InvalidInput with every problem at once."""
    errors: Errors = {}
    creating = record_id is None
    submitted = {f.name: data.get(f.name) for f in kind.form_fields(creating)}
    try:
        values = validate(form_model(kind.key, creating), submitted).model_dump()
    except InvalidInput as exc:
        errors.update(exc.errors)
        values = _partial(kind, submitted, set(exc.errors))
    for name, value in list(values.items()):
        if name in errors or value is None:
            continue
        if kind.widget(name) == "password":
            value = values[name] = submitted[name]  # as typed: a rule may refuse its spaces, never strip them
        if (clean := kind.field(name).clean) is not None:
            value = values[name] = clean(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            errors[name] = ("error.datetime", {})
        choices = kind.field(name).choices
        # The org field is checked against the actor's scope below, with a message that says so.
        if name != kind.scope and choices is not None and value not in {v for v, _ in choices(session, actor)}:
            errors[name] = ("error.choice", {})
    if kind.scope and kind.scope in values and kind.scope not in errors:
        errors.update(placement_errors(load_tree(session=session), actor, values[kind.scope]))
    good = {k: v for k, v in values.items() if k not in errors}
    errors.update({k: v for k, v in _taken(session, kind, good, record_id).items() if k not in errors})
    for rule in kind.rules:
        errors.update({k: v for k, v in rule(session, good).items() if k not in errors})
    if record_id is not None:
        for edit_rule in kind.edit_rules:
            errors.update({k: v for k, v in edit_rule(session, actor, record_id, good).items() if k not in errors})
    if errors:
        raise InvalidInput(errors)
    return values


def _partial(kind: RecordKind, submitted: dict[str, Any], bad: set[str]) -> dict[str, Any]:
    """The fields that are fine on their own (so the later checks still report on them)."""
    values: dict[str, Any] = {}
    annotations = _annotations(kind.key)
    for name, value in submitted.items():
        if name in bad:
            continue
        if isinstance(value, str):
            value = value.strip() or None
        try:
            values[name] = TypeAdapter(annotations[name] | None).validate_python(value)
        except ValidationError:  # cannot happen for a field pydantic passed; skip it rather than guess
            continue
    return values


def _taken(session: Session, kind: RecordKind, values: dict[str, Any], record_id: int | None) -> Errors:
    """Unique columns (and unique combinations) whose value another record already has."""
    table = kind.model.__table__  # type: ignore[attr-defined]
    groups = [[c.name] for c in table.columns if c.unique]
    groups += [[c.name for c in con.columns] for con in table.constraints if isinstance(con, UniqueConstraint)]
    groups += [[c.name for c in ix.columns] for ix in table.indexes if ix.unique]
    errors: Errors = {}
    for names in groups:
        if not all(n in values or n in kind.fixed for n in names):
            continue
        wanted = {n: values[n] if n in values else kind.fixed[n] for n in names}
        query = select(func.count()).select_from(kind.model)
        query = query.where(*(getattr(kind.model, n) == v for n, v in wanted.items()))
        if record_id is not None:
            query = query.where(col(kind.model.id) != record_id)  # type: ignore[attr-defined]
        if session.exec(query).one():
            shown = [n for n in names if n in values]
            if len(shown) == 1:
                errors[shown[0]] = ("error.value_taken", {})
            else:
                errors[shown[-1]] = ("error.combination_taken", {"fields": "、".join(kind.label_of(n) for n in shown)})
    return errors
