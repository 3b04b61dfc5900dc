"""Rendering a Review: json (the contract), text (terminal tables), md, html and pdf (jinja2 templates in
reports/), fhir (an R4 Bundle of DetectedIssues and the reconciled list).

Reports (`report=`) are the readers' views of the one Review, each a template in reports/:

    review         the whole review: findings and the reconciled list (default)
    mdb            the dossier for the multidisciplinary meeting (MDB/MDO)
    huisarts       the letter to the GP, one A4 page
    voorschrijver  one section per prescriber: his medicines and the findings that ask him to act
    patient        the patient's own list in plain language, large print
"""

from __future__ import annotations

from typing import Literal, overload

from .._review import Review

__all__ = ["FORMATS", "REPORTS", "REPORT_FORMATS", "Format", "Report", "render", "render_picture"]

Format = Literal["json", "text", "md", "html", "pdf", "fhir"]
Report = Literal["review", "mdb", "huisarts", "voorschrijver", "patient"]
FORMATS: tuple[str, ...] = ("json", "text", "md", "html", "pdf", "fhir")
REPORTS: tuple[str, ...] = ("review", "mdb", "huisarts", "voorschrijver", "patient")
REPORT_FORMATS: tuple[str, ...] = ("html", "pdf", "md")


@overload
def render(review: Review, fmt: Literal["pdf"], report: str = ...) -> bytes: ...
@overload
def render(review: Review, fmt: Literal["json", "text", "md", "html", "fhir"] = ..., report: str = ...) -> str: ...


def render(review: Review, fmt: str = "text", report: str = "review") -> str | bytes:
    """The review in one of FORMATS (bytes for pdf, text otherwise); the language is the review's own.

    `report` picks one of REPORTS; every report comes as html, pdf or md, and json, text and fhir
    are the review itself. Raises RenderError when pdf is asked and its libraries are missing.

        >>> render(mbo.review("patient.json"), "html", report="huisarts")  # doctest: +SKIP
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if report not in REPORTS:
        raise ValueError(f"unknown report {report!r}; choose from {', '.join(REPORTS)}")
    if report != "review" and fmt not in REPORT_FORMATS:
        raise ValueError(f"the {report} report comes as {', '.join(REPORT_FORMATS)}, not {fmt}")
    if fmt == "json":
        return review.to_json()
    if fmt == "text":
        from ._text import render_text  # rich is loaded only for terminal output

        return render_text(review)
    if fmt == "fhir":
        import json

        from .._fhir_output import to_fhir  # fhir.resources is loaded only for FHIR output

        return json.dumps(to_fhir(review), indent=2, ensure_ascii=False) + "\n"
    from ._templates import render_template  # jinja2 is loaded only for reports

    if fmt == "pdf":
        from ._pdf import html_to_pdf

        return html_to_pdf(render_template(review, "html", report))
    return render_template(review, fmt, report)


def render_picture(review: Review, name: str) -> str:
    """A picture of the review as a standalone SVG document: "timeline" (medicines over time, cascades as
    arrows) or "conditions" (which medicine treats which condition)."""
    from ._templates import render_picture as picture

    return picture(review, name)

