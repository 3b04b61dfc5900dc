"""Reading the three formats, from a file and from standard input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from click.testing import CliRunner

import mbo
from mbo import Knowledge
from mbo.cli import cli

from conftest import MINI


def test_native_yaml(tmp_path: Path, mini: Knowledge) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("""
patient: {id: pt-1, birth_date: 1941-03-02, sex: female}
review_date: 2026-11-01
prescribers: [{id: c1, name: M. de Boer, specialty: cardioloog}]
conditions: [{text: atriumfibrilleren}]
labs: [{test: "62238-1", value: "38,5", date: 2026-10-20}]
medications:
  - {name: "Sintrom mitis 1 mg", dose: volgens schema trombosedienst, prescriber: c1, start: 2019-05-10}
""", encoding="utf-8")
    r = mbo.review(path, knowledge=mini)
    assert r.patient.conditions == ["atriumfibrilleren"]
    assert r.patient.labs["egfr"].startswith("eGFR 38,5")
    assert r.medications[0].atc == "B01AA07" and r.medications[0].prescriber == "cardioloog (M. de Boer)"


def test_csv_with_semicolons_and_dutch_headers(tmp_path: Path, mini: Knowledge) -> None:
    path = tmp_path / "lijst.csv"
    path.write_text("Naam;Dosering;Voorschrijver;Startdatum\nNorvasc 5 mg;1 dd 1;cardioloog;05-02-2024\n"
                    "Lasix 40 mg;1 dd 1;huisarts;20-06-2024\n", encoding="utf-8")
    r = mbo.review(path, knowledge=mini, birth_date=__import__("datetime").date(1940, 1, 1), sex="female")
    assert {m.atc for m in r.medications} == {"C08CA01", "C03CA01"}
    assert any(f.kind == "cascade" for f in r.findings)


def test_gzipped_bundle_and_stdin(tmp_path: Path, shared: Path) -> None:
    raw = (shared / "cases" / "vka-nsaid.json").read_bytes()
    gz = tmp_path / "b.json.gz"
    gz.write_bytes(gzip.compress(raw))
    from_file = CliRunner().invoke(cli, ["review", str(gz), "-f", "json", "--knowledge", str(MINI)])
    from_stdin = CliRunner().invoke(cli, ["review", "-", "-f", "json", "--knowledge", str(MINI)], input=raw)
    assert from_file.exit_code == from_stdin.exit_code == 0
    assert json.loads(from_file.output)["findings"] == json.loads(from_stdin.output)["findings"]


def test_a_transaction_bundle_with_references_and_practitioner_roles(mini: Knowledge) -> None:
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:p", "resource": {"resourceType": "Patient", "gender": "male", "birthDate": "1944-01-01"},
         "request": {"method": "POST", "url": "Patient"}},
        {"fullUrl": "urn:uuid:dr", "resource": {"resourceType": "Practitioner", "name": [{"family": "Smit", "prefix": ["Dr."]}]}},
        {"fullUrl": "urn:uuid:role", "resource": {"resourceType": "PractitionerRole", "practitioner": {"reference": "urn:uuid:dr"},
                                                   "specialty": [{"text": "geriater"}]}},
        {"fullUrl": "urn:uuid:m", "resource": {"resourceType": "MedicationRequest", "status": "active",
                                               "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "17767"}]},
                                               "requester": {"reference": "urn:uuid:dr"}, "authoredOn": "2025-01-01T10:00:00+01:00"}},
    ]}
    r = mbo.review(bundle, knowledge=mini, review_date=__import__("datetime").date(2026, 1, 1))
    assert r.medications[0].atc == "C08CA01" and r.medications[0].prescriber == "geriater (Dr. Smit)"


def test_vaccination_record_from_fhir_immunizations(mini: Knowledge) -> None:
    def bundle(*extra: dict[str, object]) -> dict[str, object]:
        return {"resourceType": "Bundle", "timestamp": "2026-01-01", "entry": [
            {"resource": {"resourceType": "Patient", "birthDate": "1940-01-01", "gender": "male"}},
            {"resource": {"resourceType": "MedicationRequest", "status": "active",
                          "medicationCodeableConcept": {"text": "amlodipine"}}},
            *({"resource": r} for r in extra)]}

    flu = {"resourceType": "Immunization", "status": "completed", "occurrenceDateTime": "2025-10-20",
           "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "140"}]}}
    old = {**flu, "occurrenceDateTime": "2023-10-20"}
    rules = lambda r: {f.rule for f in r.findings}  # noqa: E731
    assert "TEST-flu" not in rules(mbo.review(bundle(), knowledge=mini))          # no record: silent
    assert "TEST-flu" not in rules(mbo.review(bundle(flu), knowledge=mini))       # given this season
    assert "TEST-flu" in rules(mbo.review(bundle(old), knowledge=mini))           # only an old one


def test_native_vaccination_record(mini: Knowledge) -> None:
    base = {"patient": {"birth_date": "1940-01-01"}, "review_date": "2026-01-01", "medications": [{"atc": "C08CA01"}]}
    unknown = mbo.review(base, knowledge=mini)
    none_given = mbo.review({**base, "vaccinations": []}, knowledge=mini)
    given = mbo.review({**base, "vaccinations": [{"vaccine": "griepprik", "date": "2025-10-01"}]}, knowledge=mini)
    assert [f.rule for f in none_given.findings if f.rule == "TEST-flu"] == ["TEST-flu"]
    assert not [f for f in unknown.findings + given.findings if f.rule == "TEST-flu"]
