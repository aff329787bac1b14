"""Report renderers: pure functions from a :class:`~koppelcheck.models.Report` to a string.

``FORMATS`` maps each ``--format`` name of the contract to its renderer; :func:`render` picks
one. No renderer prints or opens a file: the CLI writes what they return.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from koppelcheck.models import Report
from koppelcheck.report.github import github_annotations
from koppelcheck.report.html import render_html
from koppelcheck.report.json import render_batch_json, render_json
from koppelcheck.report.junit import render_batch_junit, render_junit
from koppelcheck.report.markdown import render_batch_markdown, render_markdown
from koppelcheck.report.text import DEFAULT_WIDTH, render_text


@dataclass(frozen=True)
class RenderOptions:
    """How to render: language, and for the terminal colour, width and output encoding."""

    lang: str | None = None
    color: bool = False
    width: int = DEFAULT_WIDTH
    encoding: str = "utf-8"


Renderer = Callable[[Report, RenderOptions], str]


def _text(report: Report, options: RenderOptions) -> str:
    return render_text(
        report,
        lang=options.lang,
        color=options.color,
        width=options.width,
        encoding=options.encoding,
    )


#: Every report format of the contract's ``--format``, by name.
FORMATS: Mapping[str, Renderer] = MappingProxyType(
    {
        "text": _text,
        "json": lambda report, _options: render_json(report),
        "junit": lambda report, options: render_junit(report, lang=options.lang),
        "markdown": lambda report, options: render_markdown(report, lang=options.lang),
        "html": lambda report, options: render_html(report, lang=options.lang),
    }
)


def render(
    report: Report,
    fmt: str,
    *,
    lang: str | None = None,
    color: bool = False,
    width: int = DEFAULT_WIDTH,
    encoding: str = "utf-8",
) -> str:
    """Render ``report`` in format ``fmt`` (one of :data:`FORMATS`)."""
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}"
        ) from None
    return renderer(report, RenderOptions(lang=lang, color=color, width=width, encoding=encoding))


__all__ = [
    "FORMATS",
    "RenderOptions",
    "Renderer",
    "github_annotations",
    "render",
    "render_batch_json",
    "render_batch_junit",
    "render_batch_markdown",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_text",
]
