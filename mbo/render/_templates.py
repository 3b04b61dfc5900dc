"""Jinja2 templates from reports/: autoescaped HTML and SVG, Markdown with input text escaped."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from .._i18n import fmt_date, word
from .._review import Review

__all__ = ["render_template", "render_picture", "reports_path", "md_escape", "PICTURES"]

PICTURES: tuple[str, ...] = ("timeline", "conditions")

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|&#~])")
_MD_LINE_START = re.compile(r"^([-+]|\d+\.)")


def reports_path() -> Path:
    """The template folder: the checkout's reports/, else the installed copy."""
    root = Path(__file__).resolve().parents[2] / "reports"
    return root if (root / "review.html.j2").is_file() else Path(__file__).resolve().parents[1] / "_reports"


def md_escape(value: object) -> str:
    """Text from the input made inert in Markdown: inline markup, HTML and a leading list marker escaped."""
    text = _MD_INLINE.sub(r"\\\1", " ".join(str(value).split()))
    return _MD_LINE_START.sub(r"\\\1", text)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(reports_path())),
        # HTML and SVG templates (and what they include) are autoescaped; Markdown escapes with the `md` filter.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "svg.j2"), default_for_string=True,
                                            default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    return env


def _context(review: Review) -> dict[str, object]:
    from ._views import ReportView

    lang = review.language
    view = ReportView(review)
    context: dict[str, object] = {
        "r": review, "v": view, "lang": lang, "en": lang == "en",
        "t": lambda key: word(key, lang), "d": lambda v: fmt_date(v, lang),
        "L": lambda nl, en: en if lang == "en" else nl,
    }
    context["picture"] = lambda name: Markup(_environment().get_template(f"{name}.svg.j2").render(context))
    return context


def render_template(review: Review, fmt: str, report: str = "review") -> str:
    """Render reports/{report}.{fmt}.j2 for a review."""
    return _environment().get_template(f"{report}.{fmt}.j2").render(_context(review))


def render_picture(review: Review, name: str) -> str:
    """One picture of a review as a standalone SVG document: "timeline" or "conditions"."""
    if name not in PICTURES:
        raise ValueError(f"unknown picture {name!r}; choose from {', '.join(PICTURES)}")
    return _environment().get_template(f"{name}.svg.j2").render(_context(review))
