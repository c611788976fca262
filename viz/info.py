"""The dashboard's "About the model" page, in plain words (like NetLogo's Info tab).

The text lives in `viz/info.md` (shipped with the package); `InfoPage` renders it and
`info_sections` splits it by its `## ` headings, for tests and tooltips. The claims in its
"What to notice" section are checked against a baseline run by `tests/test_viz_info.py`.
"""

from __future__ import annotations

import re
from importlib.resources import files

import solara

from viz.markdown import Markdown

INFO_FILE = "info.md"
_HEADING = re.compile(r"^## +(.+?)\s*$", re.MULTILINE)


def info_text() -> str:
    """The info page's markdown, read from the `viz` package.

    Returns:
        The contents of `viz/info.md`.
    """
    return files("viz").joinpath(INFO_FILE).read_text(encoding="utf-8")


def info_sections(text: str | None = None) -> dict[str, str]:
    """Split the info page into its sections by their `## ` headings.

    Text before the first heading is left out; deeper headings (`###`) stay inside their section.

    Args:
        text: markdown to split; `viz/info.md` when None.

    Returns:
        Each section's heading (without the `## `) mapped to its body, stripped, in page order.
    """
    text = info_text() if text is None else text
    matches = list(_HEADING.finditer(text))
    sections: dict[str, str] = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following is not None else len(text)
        sections[match.group(1)] = text[match.end() : end].strip()
    return sections


@solara.component
def InfoPage():
    """The "About the model" page: `viz/info.md` rendered as markdown."""
    text = solara.use_memo(info_text, dependencies=[])
    Markdown(text)
