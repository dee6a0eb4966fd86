"""Small helpers shared by the pages: the page guard, time formatting, showing service errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import streamlit as st

from portal import clock
from portal.auth import ACTOR_KEY
from portal.i18n import t
from portal.permissions import PAGE_ACCESS
from portal.services.actor import Actor
from portal.services.errors import InvalidInput, ServiceError
from portal.services.kpi import KpiFilters

# `st.cache_data` hashes its arguments on every call; a frozen dataclass goes through `dataclasses.asdict`
# (a deep copy) each time. Their repr names every field, for a fraction of the cost.
CACHE_KEYS: dict[Any, Any] = {Actor: repr, KpiFilters: repr}


def require_page(page: str) -> Actor:
    """The page guard: the router already hides pages a role may not open; this refuses them too."""
    actor = st.session_state.get(ACTOR_KEY)
    if not isinstance(actor, Actor) or actor.role not in PAGE_ACCESS[page]:
        st.error(t("error.forbidden"))
        st.stop()
    return actor


def local(instant: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant in the office's time zone, as text."""
    return clock.local_text(instant, fmt)


@contextmanager
def reported_errors(form_errors: dict[str, str] | None = None) -> Iterator[None]:
    """Show a ServiceError as a message instead of a traceback; field errors go into `form_errors`."""
    try:
        yield
    except InvalidInput as exc:
        messages = exc.field_messages()
        if form_errors is not None:
            form_errors.update(messages)
            st.error(t("error.invalid_input", count=len(messages)))
        else:
            st.error("\n\n".join([t("error.invalid_input", count=len(messages)), *messages.values()]))
    except ServiceError as exc:
        st.error(exc.message())


def field_error(errors: dict[str, str], field: str) -> None:
    """The message for one field, shown right under it (plain text, never HTML)."""
    if field in errors:
        st.caption(f":red[{t('form.error_prefix')}] {errors[field]}")


_FLASH_KEY = "flash"


def flash(message: str) -> None:
    """A success message to show after the rerun that follows a save."""
    st.session_state[_FLASH_KEY] = message


def show_flash() -> None:
    """Show (once) the message left by `flash`."""
    message = st.session_state.pop(_FLASH_KEY, None)
    if message:
        st.success(message)


def category_label(name: str, active: bool) -> str:
    """A category's name in a picker, marked when it is retired (it takes no new cases but keeps its old ones)."""
    return name if active else name + t("category.retired_mark")


def inert(text: str) -> str:
    """Text that Markdown shows as typed: names people enter (units, categories, users) go into captions, link
    labels and headings, which Streamlit renders as Markdown; `**x**` or `[x](url)` must not become bold or a link."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~:$])", r"\\\1", text)
