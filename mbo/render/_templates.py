"""Jinja2 templates from reports/: autoescaped HTML, Markdown with input text escaped."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2

from .._i18n import fmt_date, word
from .._review import Review

__all__ = ["render_template", "reports_path"]

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


@lru_cache(maxsize=2)
def _environment(fmt: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(reports_path())),
        autoescape=fmt == "html",
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    return env


def render_template(review: Review, fmt: str) -> str:
    """Render reports/review.{fmt}.j2 for a review."""
    lang = review.language
    template = _environment(fmt).get_template(f"review.{fmt}.j2")
    return template.render(r=review, lang=lang, t=lambda key: word(key, lang), d=lambda v: fmt_date(v, lang),
                           en=lang == "en")
