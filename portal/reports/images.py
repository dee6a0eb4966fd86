"""Charts as PNG images for the email, rendered from their Vega-Lite specs by vl-convert (no browser)."""

from __future__ import annotations

from typing import Any

PNG_SCALE = 2  # sharp on high-density screens; the email shows them at their CSS width


def png(spec: dict[str, Any]) -> bytes:
    """The chart as a PNG."""
    import vl_convert  # loads a JavaScript engine: only in the processes that draw images

    return bytes(vl_convert.vegalite_to_png(spec, scale=PNG_SCALE))
