"""Markdown rendered to HTML on the server.

Solara's own `Markdown` fetches KaTeX from a CDN for formulas, which `solara-assets` does not
carry: offline it gives 404s. Text here has no formulas, so python-markdown renders it once.
"""

from __future__ import annotations

import markdown as python_markdown
import solara

#: Table and heading styles for rendered Markdown (the page has no notebook CSS).
STYLE = (
    "<style>.md-text table{border-collapse:collapse;margin:6px 0}"
    ".md-text th,.md-text td{border:1px solid #ddd;padding:3px 8px;text-align:left}"
    ".md-text th{background:#f5f5f5}.md-text code{background:#f5f5f5;padding:0 3px}</style>"
)


def to_html(text: str) -> str:
    """Markdown (with tables and fenced code) as HTML."""
    return python_markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])


@solara.component
def Markdown(text: str, classes: list[str] | None = None):
    """Show Markdown text, rendered on the server (no CDN assets needed)."""
    return solara.HTML(tag="div", unsafe_innerHTML=STYLE + to_html(text), classes=["md-text", *(classes or [])])
