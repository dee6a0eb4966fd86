"""One Streamlit input per declared field, chosen by its widget; values come back as the form data services take."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import streamlit as st

from portal import clock, ui
from portal.i18n import t
from portal.lowcode.declare import RecordKind


def field_inputs(
    kind: RecordKind,
    *,
    prefix: str,
    values: dict[str, Any],
    options: dict[str, list[tuple[Any, str]]],
    errors: dict[str, str],
    editing: bool = False,
) -> dict[str, Any]:
    """Draw the kind's fields (inside the caller's st.form) and return what was entered, field by field."""
    data: dict[str, Any] = {}
    for spec in kind.fields:
        if (spec.create_only and editing) or (spec.read_only and not editing):
            continue
        name = spec.name
        disabled = editing and not (spec.editable and not spec.read_only)
        label = t(spec.label)
        help_text = t(spec.help) if spec.help else None
        key = f"{prefix}_{name}"
        current = values.get(name, spec.default)
        widget = kind.widget(name)
        if widget == "select":
            data[name] = _select(
                label, options.get(name, []), current, key, help_text, disabled, kind.is_required(name)
            )
        elif widget == "checkbox":
            data[name] = st.checkbox(
                label, value=bool(True if current is None else current), key=key, help=help_text, disabled=disabled
            )
        elif widget in ("integer", "number"):
            step: Any = 1 if widget == "integer" else 0.5
            shown = current if current is not None else None
            if widget == "number" and shown is not None:
                shown = float(shown)
            entered = st.number_input(
                label, value=shown, step=step, min_value=None, key=key, help=help_text, disabled=disabled
            )
            data[name] = int(entered) if widget == "integer" and entered is not None else entered
        elif widget == "date":
            data[name] = st.date_input(label, value=current, key=key, help=help_text, disabled=disabled)
        elif widget == "datetime":
            data[name] = _when(label, current, key, help_text, disabled)
        elif widget == "textarea":
            data[name] = st.text_area(label, value=current or "", key=key, help=help_text, disabled=disabled)
        else:
            data[name] = st.text_input(
                label,
                value=str(current or ""),
                key=key,
                help=help_text,
                disabled=disabled,
                type="password" if widget == "password" else "default",
            )
        ui.field_error(errors, name)
    return data


def _select(
    label: str,
    options: list[tuple[Any, str]],
    current: Any,
    key: str,
    help_text: str | None,
    disabled: bool,
    required: bool,
) -> Any:
    values = [v for v, _ in options]
    names = dict(options)
    if not required:
        values = [None, *values]
    index = values.index(current) if current in values else (None if required else 0)
    return st.selectbox(
        label,
        values,
        index=index,
        format_func=lambda v: "—" if v is None else names.get(v, str(v)),
        key=key,
        help=help_text,
        disabled=disabled,
        placeholder=t("records.choose"),
    )


def _when(label: str, current: datetime | None, key: str, help_text: str | None, disabled: bool) -> datetime | None:
    """A date and a time side by side, read as office-local time."""
    local = clock.as_utc(current).astimezone(clock.local_tz()) if current else None
    left, right = st.columns(2)
    day: date | None = left.date_input(
        label, value=local.date() if local else None, key=f"{key}_day", help=help_text, disabled=disabled
    )
    at: time | None = right.time_input(
        t("records.time_of", field=label), value=local.time() if local else None, key=f"{key}_time", disabled=disabled
    )
    if day is None or at is None:
        return None
    return datetime.combine(day, at, tzinfo=clock.local_tz())
