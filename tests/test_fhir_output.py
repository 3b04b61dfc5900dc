"""FHIR R4 output: one DetectedIssue per finding, the reconciled list as a List of MedicationStatements;
valid against the R4B models of fhir.resources, and read back to the same findings."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import lru_cache
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

import mbo
from mbo import Knowledge, Review

from _cases import CASE_PARAMS, case_path
from _helpers import native

ISSUE_STATUS = {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"}
STATEMENT_STATUS = {"active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown", "not-taken"}


@lru_cache(maxsize=None)
def case_review(name: str, lang: str = "nl") -> Review:
    return mbo.review(str(case_path(name)), lang=lang)  # type: ignore[arg-type]


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.parametrize("case", CASE_PARAMS)
@pytest.mark.parametrize("lang", ("nl", "en"))
def test_every_case_validates_and_round_trips(case: str, lang: str) -> None:
    review = case_review(case, lang)
    bundle = json.loads(mbo.render(review, "fhir"))
    parsed = Bundle.model_validate(bundle)                      # the R4B models accept it
    assert parsed.type == "collection" and len(parsed.entry) == len(bundle["entry"])
    back = mbo.from_fhir(bundle)
    assert back.findings == review.findings                     # the same findings, field for field
    assert back.medications == review.medications
    assert back.conditions == review.conditions
    assert mbo.from_fhir(Bundle.model_validate(bundle).model_dump_json()).findings == review.findings


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_one_detected_issue_per_finding_with_its_parts(case: str) -> None:
    review = case_review(case)
    bundle = mbo.to_fhir(review)
    urls = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    issues = _resources(bundle, "DetectedIssue")
    assert len(issues) == len(review.findings)
    for f, issue in zip(review.findings, issues):
        assert issue["status"] in ISSUE_STATUS and issue["severity"] == f.severity
        codes = {c["system"]: c["code"] for c in issue["code"]["coding"]}
        assert codes["urn:mbo:fhir:finding-kind"] == f.kind and codes["urn:mbo:fhir:rule"] == f.rule
        assert issue["code"]["text"] == f.title and issue["detail"] == f.rationale
        assert [e["code"][0]["text"] for e in issue.get("evidence", [])] == f.evidence
        assert issue["mitigation"][0]["action"]["text"] == f.recommendation
        for ref in issue.get("implicated", []):
            assert urls[ref["reference"]]["resourceType"] == "MedicationStatement"
        assert len(issue.get("implicated", [])) == len(f.medications)
        assert urls[issue["patient"]["reference"]]["resourceType"] == "Patient"
    [the_list] = _resources(bundle, "List")
    assert [urls[e["item"]["reference"]]["resourceType"] for e in the_list.get("entry", [])] == \
        ["MedicationStatement"] * len(review.medications)
    for statement in _resources(bundle, "MedicationStatement"):
        assert statement["status"] in STATEMENT_STATUS
        for ref in statement.get("reasonReference", []):
            assert urls[ref["reference"]]["resourceType"] == "Condition"


def test_interaction_carries_the_hl7_code(shared: object) -> None:
    bundle = mbo.to_fhir(case_review("vka-nsaid"))
    codes = [(c["system"], c["code"]) for i in _resources(bundle, "DetectedIssue") for c in i["code"]["coding"]]
    assert ("http://terminology.hl7.org/CodeSystem/v3-ActCode", "DRG") in codes


def test_same_review_gives_the_same_bundle(mini: Knowledge) -> None:
    data = native([{"atc": "B01AA07"}, {"atc": "M01AE02"}, {"name": "Onbekend middel"}])
    a, b = (mbo.render(mbo.review(data, knowledge=mini), "fhir") for _ in range(2))
    assert a == b
    review = mbo.review(data, knowledge=mini)
    back = mbo.from_fhir(a)
    assert back.findings == review.findings and back.medications == review.medications
    assert any(m.unresolved for m in back.medications)


def test_hostile_text_survives_the_round_trip(mini: Knowledge) -> None:
    text = "<script>alert(1)</script> & \"quotes\" ünïcode"
    review = mbo.review(native([{"name": text, "dose": text}, {"atc": "C08CA01"}], conditions=[{"text": text}]),
                        knowledge=mini)
    back = mbo.from_fhir(mbo.render(review, "fhir"))
    assert back.medications == review.medications and back.conditions == review.conditions


def test_reading_something_else_is_an_input_error() -> None:
    for bad in ("not json", {"resourceType": "Patient"}, {"resourceType": "Bundle", "entry": [{"resource": {}}]}):
        with pytest.raises(mbo.InputError):
            mbo.from_fhir(bad)  # type: ignore[arg-type]


def test_cold_start_does_not_load_fhir_resources_or_weasyprint(tmp_path: object) -> None:
    code = ("import sys, mbo.cli; from click.testing import CliRunner; "
            "r = CliRunner().invoke(mbo.cli.cli, ['review', sys.argv[1], '--format', 'json']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('fhir', 'weasyprint', 'fhir_core', 'jinja2')))")
    patient = f"{tmp_path}/p.yaml"
    with open(patient, "w") as out:
        out.write("patient: {birth_date: 1940-01-01, sex: female}\nreview_date: 2026-01-01\nmedications: [{atc: C08CA01}]\n")
    done = subprocess.run([sys.executable, "-c", code, patient], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
