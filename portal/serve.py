"""Start Streamlit on our router. Use this (or `portal up`) rather than a bare `streamlit run`.

Streamlit still honours its legacy multipage mode whenever a folder named `pages/` sits beside the
main script: until the first `st.navigation` call in a process, it runs page files *directly*,
bypassing the router (so the first visit after a restart to /kpi would skip login and hit the page
guard). Our `pages/` folder belongs to `st.navigation`; declaring that before the server starts
makes every run, the first included, go through `streamlit_app.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "streamlit_app.py"


def disable_legacy_pages_folder() -> None:
    """Tell Streamlit our `pages/` folder is not its legacy multipage folder."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


def main(argv: list[str] | None = None) -> None:
    """`python -m portal.serve [streamlit options]`: `streamlit run streamlit_app.py` done right."""
    disable_legacy_pages_folder()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
