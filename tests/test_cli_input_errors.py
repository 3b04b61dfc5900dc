"""Bad input: one line naming the file and the field, exit code 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mbo.cli import cli

from conftest import MINI

_PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1940-01-01"}
_MED = {"resourceType": "MedicationRequest", "id": "m1", "status": "active",
        "medicationCodeableConcept": {"text": "amlodipine"}, "authoredOn": "2024-01-01"}
_EGFR = {"resourceType": "Observation", "id": "o1", "status": "final",
         "code": {"coding": [{"system": "http://loinc.org", "code": "62238-1"}]},
         "valueQuantity": {"value": 40, "unit": "mL/min"}}


def _bundle(*resources: dict[str, object]) -> dict[str, object]:
    return {"resourceType": "Bundle", "type": "collection", "timestamp": "2026-01-01T09:00:00Z",
            "entry": [{"resource": r} for r in resources]}


def _run(tmp_path: Path, name: str, content: str) -> tuple[int, str]:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["review", str(path), "--knowledge", str(MINI)])
    return result.exit_code, result.output


CASES = {
    "malformed JSON": ("p.json", '{"resourceType": "Bundle", "entry": [', "(json)"),
    "not a Bundle": ("p.json", json.dumps({"resourceType": "Patient", "id": "x"}), "resourceType"),
    "missing birth date": ("p.json", json.dumps(_bundle({**_PATIENT, "birthDate": None}, _MED)), "Patient.birthDate"),
    "eGFR of abc": ("p.json", json.dumps(_bundle(_PATIENT, _MED, {**_EGFR, "valueQuantity": {"value": "abc"}})),
                    "Observation/o1.valueQuantity.value"),
    "stop before start": ("p.json", json.dumps(_bundle(_PATIENT, {
        "resourceType": "MedicationStatement", "id": "s1", "status": "active",
        "medicationCodeableConcept": {"text": "amlodipine"},
        "effectivePeriod": {"start": "2024-05-01", "end": "2023-01-01"}})), "MedicationStatement/s1.effectivePeriod"),
    "empty medication list": ("p.json", json.dumps(_bundle(_PATIENT)), "medications"),
    "native: date that is no date": ("p.yaml", "patient: {birth_date: 1940-13-45}\nmedications: [{name: x}]\n",
                                     "patient.birth_date"),
    "native: stop before start": ("p.yaml", "patient: {birth_date: 1940-01-01}\nmedications:\n"
                                  "  - {name: amlodipine, start: 2024-05-01, stop: 2023-01-01}\n", "medications[0].stop"),
    "native: unknown field": ("p.yaml", "patient: {birth_date: 1940-01-01}\nmedicines: []\n", "medications"),
    "csv without birth date": ("m.csv", "naam;dosering\namlodipine 5 mg;1 dd 1\n", "birth date"),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_input_gives_one_line_and_exit_2(tmp_path: Path, name: str) -> None:
    filename, content, field = CASES[name]
    code, output = _run(tmp_path, filename, content)
    assert code == 2, output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert str(tmp_path / filename) in lines[0] and field in lines[0]
    assert "Traceback" not in output


def test_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["review", str(tmp_path / "nope.json"), "--knowledge", str(MINI)])
    assert result.exit_code == 2 and "no such file" in result.output


def test_broken_knowledge_base_exits_3(tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "knowledge"
    shutil.copytree(MINI, broken)
    shutil.copytree(MINI.parent / "cascades", tmp_path / "cascades")
    (broken / "groups" / "all.yaml").write_text("- {id: nsaid, nl: x, en: x, members: []}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["kb", "check", "--knowledge", str(broken)])
    assert result.exit_code == 3
    assert "groups/all.yaml entry 1 (nsaid)" in result.output and "members" in result.output


def test_knowledge_without_the_selection_criteria_exits_3(tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "knowledge"
    shutil.copytree(MINI, broken)
    shutil.copytree(MINI.parent / "cascades", tmp_path / "cascades")
    (broken / "selection.yaml").unlink()
    result = CliRunner().invoke(cli, ["kb", "check", "--knowledge", str(broken)])
    assert result.exit_code == 3 and "selection.yaml" in result.output
