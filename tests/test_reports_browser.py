"""The HTML reports in headless Chromium: each page loads without a console error and shows something."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

import mbo
from mbo import Knowledge

from _cases import NAMES, case_path
from _chromium import Chromium, chromium_binary
from _helpers import native

REPORTS = ("review", "mdb", "huisarts", "voorschrijver", "patient")
BINARY = chromium_binary()
pytestmark = pytest.mark.skipif(BINARY is None, reason="chromium is not installed (Debian package chromium)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    with Chromium(str(BINARY)) as chromium:
        yield chromium


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_console_errors_are_caught(browser: Chromium, tmp_path: Path) -> None:
    """The harness itself: a page that logs an error and throws is reported as such."""
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>console.error('boom'); missing();</script>")
    result = browser.open(page)
    assert any("boom" in e for e in result.errors) and any("missing" in e for e in result.errors)


# Three cases that between them have every kind of section (cascade arrows, omissions, several prescribers,
# a clean patient); the PDF and content tests cover every case.
BROWSER_CASES = ("ccb-oedema-diuretic", "dementia-anticholinergic", "af-without-anticoagulant", "clean-opioid-with-laxative")


def _open(browser: Chromium, page: Path, html: str) -> None:
    page.write_text(html, encoding="utf-8")
    result = browser.open(page)
    assert result.errors == [], (page.name, result.errors)
    width, height = _png_size(result.png)
    assert width >= 800 and height >= 600, (page.name, width, height)
    assert len(result.png) > 20_000, page.name  # a page with content, not a blank screen


def test_reports_open_without_errors(browser: Chromium, tmp_path: Path) -> None:
    cases = [c for c in BROWSER_CASES if c in NAMES]
    if not cases:
        pytest.skip("../shared is not beside the checkout")
    for case in cases:
        for lang in ("nl", "en") if case == "dementia-anticholinergic" else ("nl",):
            review = mbo.review(str(case_path(case)), lang=lang)  # type: ignore[arg-type]
            for report in REPORTS:
                _open(browser, tmp_path / f"{case}-{report}-{lang}.html", mbo.render(review, "html", report=report))


def test_input_text_does_not_run_in_the_browser(browser: Chromium, mini: Knowledge, tmp_path: Path) -> None:
    """Input text that is a script: if any report let it through, Chromium would log the error."""
    payload = "<script>console.error('injected')</script><img src=x onerror=\"console.error('injected')\">"
    data = native([{"name": payload, "dose": payload, "prescriber": "p"}, {"atc": "C08CA01", "start": "2024-02-05"},
                   {"atc": "C03CA01", "start": "2024-06-20", "prescriber": "p"}],
                  prescribers=[{"id": "p", "name": payload, "specialty": payload, "contact": payload}],
                  conditions=[{"text": payload, "onset": "2020-01-01"}])
    review = mbo.review(data, knowledge=mini)
    for report in REPORTS:
        _open(browser, tmp_path / f"hostile-{report}.html", mbo.render(review, "html", report=report))
