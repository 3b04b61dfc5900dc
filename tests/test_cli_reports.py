"""`mbo review --report NAME --format html|pdf|md|fhir -o OUT` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mbo.cli import cli

PATIENT = ("patient: {id: p1, birth_date: 1942-05-12, sex: female}\nreview_date: 2026-11-01\n"
           "prescribers: [{id: c, name: M. de Boer, specialty: cardioloog}, {id: h, name: H. Jansen, specialty: huisarts}]\n"
           "conditions: [{text: hypertensie, code: I10, system: icd10, onset: 2015-03-01}]\n"
           "medications:\n  - {atc: C08CA01, dose: 1 dd 10 mg, start: 2024-02-05, prescriber: c}\n"
           "  - {atc: C03CA01, dose: 1 dd 40 mg, start: 2024-06-20, prescriber: h}\n")


def _patient(tmp_path: Path) -> str:
    path = tmp_path / "patient.yaml"
    path.write_text(PATIENT)
    return str(path)


def test_report_formats_follow_the_output_suffix(tmp_path: Path) -> None:
    source = _patient(tmp_path)
    for suffix, start in ((".pdf", b"%PDF-"), (".html", b"<!DOCTYPE html>"), (".md", b"# Bericht aan de huisarts")):
        out = tmp_path / f"brief{suffix}"
        result = CliRunner().invoke(cli, ["review", source, "--report", "huisarts", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(start), suffix


def test_report_to_stdout_is_html_unless_told(tmp_path: Path) -> None:
    source = _patient(tmp_path)
    html = CliRunner().invoke(cli, ["review", source, "--report", "patient"])
    assert html.exit_code == 0 and html.output.startswith("<!DOCTYPE html>") and "Mijn medicijnen" in html.output
    md = CliRunner().invoke(cli, ["review", source, "-r", "mdb", "-f", "md", "--lang", "en"])
    assert md.exit_code == 0 and md.output.startswith("# MDB dossier")
    text = CliRunner().invoke(cli, ["review", source])
    assert text.exit_code == 0 and "Bevindingen" in text.output


def test_fhir_format(tmp_path: Path) -> None:
    out = tmp_path / "review.fhir.json"
    result = CliRunner().invoke(cli, ["review", _patient(tmp_path), "--format", "fhir", "-o", str(out)])
    assert result.exit_code == 0, result.output
    bundle = json.loads(out.read_text())
    assert bundle["resourceType"] == "Bundle"
    assert any(e["resource"]["resourceType"] == "DetectedIssue" for e in bundle["entry"])


def test_a_report_in_a_data_format_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["review", _patient(tmp_path), "--report", "huisarts", "--format", "json"])
    assert result.exit_code == 2 and "comes as html, pdf, md" in result.output


def test_unwritable_output_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["review", _patient(tmp_path), "--report", "mdb", "-o",
                                      str(tmp_path / "missing" / "x.pdf")])
    assert result.exit_code == 2 and "cannot write" in result.output
