"""Rendered output: content, language and escaping of text from the input."""

from __future__ import annotations

import mbo
from mbo import Knowledge

from _helpers import native

_SCRIPT = "<script>alert(1)</script>"


def test_html_escapes_input_text(mini: Knowledge) -> None:
    review = mbo.review(native([{"name": _SCRIPT}, {"atc": "C08CA01"}]), knowledge=mini)
    html = mbo.render(review, "html")
    assert _SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "niet herkend" in html and html.startswith("<!DOCTYPE html>")


def test_markdown_escapes_input_text(mini: Knowledge) -> None:
    review = mbo.review(native([{"name": "**vet** [link](http://x) <b>"}, {"atc": "C08CA01"}]), knowledge=mini)
    md = mbo.render(review, "md")
    assert "**vet**" not in md and "\\*\\*vet\\*\\*" in md and "<b>" not in md


def test_text_tables_in_dutch_and_english(mini: Knowledge) -> None:
    data = native([{"atc": "B01AA07"}, {"atc": "M01AE02"}])
    nl = mbo.render(mbo.review(data, knowledge=mini), "text")
    en = mbo.render(mbo.review(data, knowledge=mini, lang="en"), "text")
    assert "Bevindingen" in nl and "interactie" in nl
    assert "Findings" in en and "interaction" in en


def test_unknown_format_is_refused(mini: Knowledge) -> None:
    review = mbo.review(native([{"atc": "C08CA01"}]), knowledge=mini)
    try:
        mbo.render(review, "docx")  # type: ignore[call-overload]
    except ValueError as err:
        assert "docx" in str(err)
    else:
        raise AssertionError("no error for an unknown format")
