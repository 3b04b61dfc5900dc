"""Several lists of one patient: each disagreement appears once, on the right medicine, naming the lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import mbo
from mbo import Knowledge
from mbo.cli import cli

from conftest import MINI


@pytest.fixture
def three_sources(tmp_path: Path) -> list[str]:
    gp = {"resourceType": "Bundle", "timestamp": "2026-01-10", "entry": [{"resource": r} for r in (
        {"resourceType": "Patient", "birthDate": "1941-02-03", "gender": "female"},
        {"resourceType": "MedicationStatement", "status": "active", "medicationCodeableConcept": {"text": "Selokeen ZOC 50 mg"},
         "dosage": [{"text": "1 dd 1"}], "effectivePeriod": {"start": "2019-01-01"}},
        {"resourceType": "MedicationStatement", "status": "active", "medicationCodeableConcept": {"text": "amlodipine 5 mg"},
         "dosage": [{"text": "1 dd 1"}], "effectivePeriod": {"start": "2020-01-01"}},
        {"resourceType": "MedicationStatement", "status": "stopped", "statusReason": [{"text": "maagbloeding"}],
         "medicationCodeableConcept": {"text": "naproxen 500 mg"}, "effectivePeriod": {"start": "2024-01-01", "end": "2025-03-01"}},
    )]}
    (tmp_path / "gp.json").write_text(json.dumps(gp), encoding="utf-8")
    (tmp_path / "apotheek.csv").write_text(
        "naam;dosering;startdatum\nmetoprolol 100 mg;1 dd 1;01-06-2024\namlodipine 5 mg;1 dd 1;01-01-2020\n"
        "omeprazol 20 mg;1 dd 1;01-02-2025\n", encoding="utf-8")
    (tmp_path / "opname.yaml").write_text("""
patient: {birth_date: 1941-02-03, sex: female}
medications:
  - {name: Selokeen ZOC 50 mg, dose: 1 dd 1}
  - {name: metoprolol 50 mg, dose: 1 dd 1}
  - {name: naproxen 500 mg, dose: 2 dd 1, start: 2025-09-01, prescriber: orthopeed}
""", encoding="utf-8")
    return [f"huisarts={tmp_path / 'gp.json'}", f"apotheek={tmp_path / 'apotheek.csv'}", f"ziekenhuis={tmp_path / 'opname.yaml'}"]


def _by_rule(review: mbo.Review) -> dict[str, list[mbo.Finding]]:
    out: dict[str, list[mbo.Finding]] = {}
    for f in review.findings:
        if f.kind == "discrepancy":
            out.setdefault(f.rule, []).append(f)
    return out


def test_every_kind_of_disagreement_appears_once_on_the_right_medicine(mini: Knowledge, three_sources: list[str]) -> None:
    review = mbo.review(three_sources, knowledge=mini)
    found = _by_rule(review)
    missing = {f.atc[0]: f for f in found["RECON-missing-from-source"]}
    assert set(missing) == {"C08CA01", "A02BC01", "M01AE02"}
    assert "ontbreekt bij: ziekenhuis" in missing["C08CA01"].rationale
    assert "ontbreekt bij: huisarts, ziekenhuis" in missing["A02BC01"].rationale
    assert "gestopt volgens: huisarts" in missing["M01AE02"].rationale
    assert [f.atc for f in found["RECON-dose-differs"]] == [["C07AB02"]]
    assert "apotheek: 1 dd 1 = 100 mg/dag" in found["RECON-dose-differs"][0].rationale
    assert [f.atc for f in found["RECON-strength-differs"]] == [["C07AB02"]]
    two = found["RECON-two-names-one-substance"]
    assert len(two) == 1 and "ziekenhuis" in two[0].rationale and "selokeen zoc 50 mg" in two[0].rationale
    restart = found["RECON-restart-after-stop"]
    assert len(restart) == 1 and restart[0].atc == ["M01AE02"] and "maagbloeding" in restart[0].rationale


def test_the_list_says_which_sources_carry_each_medicine(mini: Knowledge, three_sources: list[str]) -> None:
    entries = {m.atc: m for m in mbo.review(three_sources, knowledge=mini).medications}
    assert entries["C07AB02"].sources == ["apotheek", "huisarts", "ziekenhuis"] and entries["C07AB02"].missing_from == []
    assert entries["C08CA01"].missing_from == ["ziekenhuis"]
    assert entries["A02BC01"].sources == ["apotheek"] and entries["A02BC01"].missing_from == ["huisarts", "ziekenhuis"]


def test_several_files_on_the_command_line(three_sources: list[str]) -> None:
    result = CliRunner().invoke(cli, ["review", *three_sources, "-f", "json", "--knowledge", str(MINI)])
    assert result.exit_code == 0, result.output
    assert any(f["rule"] == "RECON-dose-differs" for f in json.loads(result.output)["findings"])


def test_sources_that_disagree_on_the_birth_date_are_refused(mini: Knowledge, tmp_path: Path, three_sources: list[str]) -> None:
    other = tmp_path / "ander.yaml"
    other.write_text("patient: {birth_date: 1950-01-01}\nmedications: [{name: amlodipine}]\n", encoding="utf-8")
    with pytest.raises(mbo.InputError, match="birth date"):
        mbo.review([three_sources[0], str(other)], knowledge=mini)
