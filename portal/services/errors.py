"""Errors the services raise; each carries a catalogue key so the page can say it in the user's language."""

from __future__ import annotations

from typing import Any

from portal.i18n import t


class ServiceError(Exception):
    """Base: a message key and its parameters."""

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(t(key, "en", **params))

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang, **self.params)


class PermissionDenied(ServiceError):
    """The actor's role or org scope does not allow this."""


class NotFound(ServiceError):
    """No such record in the actor's scope (we do not tell apart 'missing' and 'not yours')."""


class Conflict(ServiceError):
    """Someone else changed the record since it was read; nothing was saved."""


class InvalidInput(ServiceError):
    """One or more fields are invalid; `errors` maps field name to (message key, params)."""

    def __init__(self, errors: dict[str, tuple[str, dict[str, Any]]]) -> None:
        self.errors = errors
        super().__init__("error.invalid_input", count=len(errors))

    def field_messages(self, lang: str | None = None) -> dict[str, str]:
        return {field: t(key, lang, **params) for field, (key, params) in self.errors.items()}
