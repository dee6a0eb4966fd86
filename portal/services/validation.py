"""Pydantic validation whose errors come back as catalogue keys, one per field."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from portal.services.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)

# pydantic error type -> (catalogue key, which ctx value to pass on)
_PYDANTIC_KEYS: dict[str, str] = {
    "missing": "error.required",
    "string_too_short": "error.required",
    "string_too_long": "error.too_long",
    "greater_than_equal": "error.too_small",
    "greater_than": "error.too_small",
    "less_than_equal": "error.too_large",
    "less_than": "error.too_large",
    "enum": "error.choice",
    "literal_error": "error.choice",
    "int_parsing": "error.number",
    "int_type": "error.number",
    "datetime_type": "error.datetime",
    "datetime_parsing": "error.datetime",
    "date_parsing": "error.date",
    "date_type": "error.date",
    # What pydantic reports for text that is neither a date nor a date-time ("next Tuesday", "2026-13-01").
    "date_from_datetime_parsing": "error.date",
    "datetime_from_date_parsing": "error.datetime",
}

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def invalid(key: str, **params: Any) -> PydanticCustomError:
    """Raise this from a validator to report catalogue message `key` for the field."""
    return PydanticCustomError(key, key, params)


def check_phone(value: str | None) -> str | None:
    """A mainland mobile (13812345678) or landline (0931-8123456) number, or nothing."""
    if value is None or value == "":
        return None
    compact = value.replace(" ", "")
    if not PHONE_RE.match(compact):
        raise invalid("error.phone_format")
    return compact


def validate(model: type[M], data: dict[str, Any]) -> M:
    """`model(**data)`, or InvalidInput whose errors name each bad field with a catalogue key."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors: dict[str, tuple[str, dict[str, Any]]] = {}
        for err in exc.errors():
            ctx = dict(err.get("ctx") or {})
            # A rule across fields names the field it reports on (see `invalid(..., field=...)`).
            field = str(ctx.pop("field", None) or (err["loc"][0] if err["loc"] else "__all__"))
            if field in errors:
                continue
            kind = err["type"]
            if kind.startswith("error."):
                errors[field] = (kind, ctx)
            else:
                key = _PYDANTIC_KEYS.get(kind, "error.invalid_value")
                limit = next((ctx[k] for k in ("max_length", "ge", "gt", "le", "lt") if k in ctx), None)
                errors[field] = (key, {"limit": limit} if limit is not None else {})
        raise InvalidInput(errors) from None
