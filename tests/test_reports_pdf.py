"""Reports as PDF (WeasyPrint): every report of every public case, pages turned into PNG with pdftoppm and counted."""

from __future__ import annotations

import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

import mbo
from mbo import Knowledge

from _cases import CASE_PARAMS, case_path
from _helpers import native

REPORTS = ("review", "mdb", "huisarts", "voorschrijver", "patient")
PDFTOPPM = shutil.which("pdftoppm")
needs_pdftoppm = pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm (Debian poppler-utils) is not installed")


@lru_cache(maxsize=None)
def case_pdf(name: str, report: str) -> bytes:
    return mbo.render(mbo.review(str(case_path(name))), "pdf", report=report)  # type: ignore[arg-type]


def pages_as_png(pdf: bytes, folder: Path, dpi: int = 30) -> list[Path]:
    """Every page as a PNG (pdftoppm), in page order."""
    source = folder / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run([str(PDFTOPPM), "-r", str(dpi), "-png", str(source), str(folder / "page")], check=True, timeout=60)
    return sorted(folder.glob("page-*.png"))


def pdf_text(pdf: bytes, folder: Path) -> str:
    source = folder / "text.pdf"
    source.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-layout", str(source), "-"], capture_output=True, text=True, check=True, timeout=60)
    return " ".join(done.stdout.split())


@pytest.mark.parametrize("case", CASE_PARAMS)
@pytest.mark.parametrize("report", REPORTS)
def test_every_report_prints_for_every_case(case: str, report: str) -> None:
    pdf = case_pdf(case, report)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")


@needs_pdftoppm
@pytest.mark.parametrize("report", REPORTS)
def test_pages_are_a4(shared: Path, report: str, tmp_path: Path) -> None:
    source = tmp_path / "r.pdf"
    source.write_bytes(case_pdf("dementia-anticholinergic", report))
    info = subprocess.run(["pdfinfo", str(source)], capture_output=True, text=True, check=True, timeout=60).stdout
    assert "(A4)" in info, info


@needs_pdftoppm
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_gp_letter_fits_one_a4_page(case: str, tmp_path: Path) -> None:
    pages = pages_as_png(case_pdf(case, "huisarts"), tmp_path)
    assert len(pages) == 1, f"the letter to the GP takes {len(pages)} pages"
    assert pages[0].stat().st_size > 2000  # a page with something on it


@needs_pdftoppm
def test_gp_letter_of_the_ccb_case_when_printed(shared: Path, tmp_path: Path) -> None:
    text = pdf_text(case_pdf("ccb-oedema-diuretic", "huisarts"), tmp_path)
    assert "Bericht aan de huisarts" in text and "amlodipine" in text and "furosemide" in text
    assert "Lisdiureticum na start van een dihydropyridine-calciumantagonist" in text
    assert "Verlaag de dosis van de calciumantagonist" in text


@needs_pdftoppm
@pytest.mark.parametrize("case", CASE_PARAMS)
@pytest.mark.parametrize("report", ("mdb", "voorschrijver", "patient"))
def test_report_pages_turn_into_pictures(case: str, report: str, tmp_path: Path) -> None:
    pages = pages_as_png(case_pdf(case, report), tmp_path)
    review = mbo.review(str(case_path(case)))
    if report == "voorschrijver":  # one page (at least) per prescriber
        assert len(pages) >= len({m.prescriber for m in review.medications})
    else:
        assert 1 <= len(pages) <= 6
    assert all(p.stat().st_size > 1000 for p in pages)


def test_pdf_in_english(mini: Knowledge) -> None:
    review = mbo.review(native([{"atc": "C08CA01", "start": "2024-02-05"}]), knowledge=mini, lang="en")
    assert mbo.render(review, "pdf", report="huisarts").startswith(b"%PDF-")


_BROKEN_WEASYPRINT = "raise OSError(\"cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file\")\n"


def test_missing_pango_is_one_clear_line(tmp_path: Path) -> None:
    """WeasyPrint without the pango library: `mbo review --format pdf` says so in one line and exits 2."""
    fake = tmp_path / "fake"
    (fake / "weasyprint").mkdir(parents=True)
    (fake / "weasyprint" / "__init__.py").write_text(_BROKEN_WEASYPRINT)
    patient = tmp_path / "p.yaml"
    patient.write_text("patient: {birth_date: 1940-01-01, sex: female}\nreview_date: 2026-01-01\nmedications: [{atc: C08CA01}]\n")
    env = {**__import__("os").environ, "PYTHONPATH": f"{fake}{__import__('os').pathsep}{Path(mbo.__file__).parents[1]}"}
    done = subprocess.run([sys.executable, "-m", "mbo", "review", str(patient), "--report", "huisarts", "-o",
                           str(tmp_path / "x.pdf")], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "pango" in done.stderr and "apt-get install" in done.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_missing_weasyprint_is_a_render_error(mini: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint → ImportError
    review = mbo.review(native([{"atc": "C08CA01"}]), knowledge=mini)
    with pytest.raises(mbo.RenderError, match="pip install weasyprint"):
        mbo.render(review, "pdf")
