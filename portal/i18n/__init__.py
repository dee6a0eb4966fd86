"""Every user-facing string comes from one catalogue: zh-CN by default, English on request."""

from __future__ import annotations

import sys
from typing import Any, Literal

from portal.i18n.catalogue import MESSAGES

Lang = Literal["zh", "en"]
LANGUAGES: tuple[Lang, ...] = ("zh", "en")
SESSION_KEY = "lang"


def t(key: str, /, lang: str | None = None, **params: Any) -> str:
    """The message `key` in `lang` (default: the current session's language), formatted with `params`."""
    zh, en = MESSAGES[key]
    text = en if (lang or current_language()) == "en" else zh
    return text.format_map(_Params(params)) if "{" in text else text


class _Params(dict[str, Any]):
    # A missing parameter shows as {name} rather than crashing the page that wanted the message.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def has(key: str) -> bool:
    """Whether the catalogue holds `key` (for labels built from stored codes)."""
    return key in MESSAGES


def label(prefix: str, code: str, lang: str | None = None) -> str:
    """The label of a stored code such as a status (`status.resolved`); the code itself if unknown."""
    key = f"{prefix}.{code}"
    return t(key, lang) if key in MESSAGES else code


def current_language() -> str:
    """The language chosen in this Streamlit session; outside Streamlit, PORTAL_LANGUAGE."""
    if "streamlit" in sys.modules:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx(suppress_warning=True)
        if ctx is not None:
            try:  # one look-up (a page asks hundreds of times per run)
                lang = ctx.session_state[SESSION_KEY]
            except KeyError:
                lang = None
            if lang in LANGUAGES:
                return str(lang)
    from portal.config import get_settings

    return get_settings().language
