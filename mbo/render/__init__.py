"""Rendering a Review: json (the contract), text (terminal tables), md and html (jinja2 templates in reports/)."""

from __future__ import annotations

from typing import Literal

from .._review import Review

__all__ = ["FORMATS", "Format", "render"]

Format = Literal["json", "text", "md", "html"]
FORMATS: tuple[str, ...] = ("json", "text", "md", "html")


def render(review: Review, fmt: Format = "text") -> str:
    """The review as text in one of FORMATS; the language is the review's own.

        >>> render(mbo.review("patient.json"), "html")  # doctest: +SKIP
    """
    if fmt == "json":
        return review.to_json()
    if fmt == "text":
        from ._text import render_text  # rich is loaded only for terminal output

        return render_text(review)
    if fmt in ("md", "html"):
        from ._templates import render_template  # jinja2 is loaded only for reports

        return render_template(review, fmt)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
