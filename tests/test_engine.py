"""The engine's behaviour on a tiny knowledge base whose content these tests control."""

from __future__ import annotations

from datetime import date

import mbo
from mbo import Knowledge

from _helpers import native


def _review(mini: Knowledge, meds: list[dict[str, object]], **extra: object) -> mbo.Review:
    return mbo.review(native(meds, **extra), knowledge=mini)


def test_cascade_fires_when_the_marker_follows_the_index_drug(mini: Knowledge) -> None:
    r = _review(mini, [{"atc": "C08CA01", "start": "2024-02-05"}, {"atc": "C03CA01", "start": "2024-06-20"}])
    cascade = next(f for f in r.findings if f.kind == "cascade")
    assert cascade.atc == ["C03CA01", "C08CA01"] and cascade.severity == "moderate"
    assert "136" in cascade.rationale and "→" in cascade.rationale


def test_cascade_is_silent_when_the_marker_came_first(mini: Knowledge) -> None:
    r = _review(mini, [{"atc": "C03CA01", "start": "2024-02-05"}, {"atc": "C08CA01", "start": "2024-06-20"}])
    assert not [f for f in r.findings if f.kind == "cascade"]


def test_cascade_is_silent_when_an_earlier_indication_explains_the_marker(mini: Knowledge) -> None:
    r = _review(mini, [{"atc": "C08CA01", "start": "2024-02-05"}, {"atc": "C03CA01", "start": "2024-06-20"}],
                conditions=[{"code": "I50.9", "system": "icd10", "onset": "2019-01-01"}])
    assert not [f for f in r.findings if f.kind == "cascade"]


def test_cascade_outside_its_window_is_silent(mini: Knowledge) -> None:
    r = _review(mini, [{"atc": "C08CA01", "start": "2020-01-01"}, {"atc": "C03CA01", "start": "2024-06-20"}])
    assert not [f for f in r.findings if f.kind == "cascade"]


def test_protection_downgrades_an_interaction(mini: Knowledge) -> None:
    bare = _review(mini, [{"atc": "B01AA07"}, {"atc": "M01AE02"}])
    protected = _review(mini, [{"atc": "B01AA07"}, {"atc": "M01AE02"}, {"atc": "A02BC01"}])
    assert [f.severity for f in bare.findings if f.kind == "interaction"] == ["high"]
    assert [f.severity for f in protected.findings if f.kind == "interaction"] == ["low"]


def test_renal_dose_within_the_maximum_stays_quiet(mini: Knowledge) -> None:
    labs = [{"test": "egfr", "value": 40, "date": "2025-12-01"}]
    low = _review(mini, [{"atc": "A10BA02", "dose": "2 dd 500 mg"}], labs=labs)
    high = _review(mini, [{"atc": "A10BA02", "dose": "2 dd 1000 mg"}], labs=labs)
    unknown = _review(mini, [{"atc": "A10BA02", "dose": "volgens schema"}], labs=labs)
    assert not [f for f in low.findings if f.rule == "RENAL-metformin"]
    assert [f.kind for f in high.findings if f.rule == "RENAL-metformin"] == ["dose"]
    assert [f.kind for f in unknown.findings if f.rule == "RENAL-metformin"] == ["dose"]


def test_renal_avoid_is_a_contraindication(mini: Knowledge) -> None:
    r = _review(mini, [{"atc": "A10BA02"}], labs=[{"test": "egfr", "value": 24}])
    finding = next(f for f in r.findings if f.rule == "RENAL-metformin")
    assert finding.kind == "contraindication" and finding.severity == "high"
    assert "24" in finding.rationale


def test_egfr_is_computed_from_creatinine_when_absent(mini: Knowledge) -> None:
    r = _review(mini, [{"atc": "A10BA02"}], labs=[{"test": "creatinine", "value": 2.0, "unit": "mg/dL", "date": "2025-12-01"}])
    assert "CKD-EPI" in r.patient.labs["egfr"]
    assert [f.kind for f in r.findings if f.rule == "RENAL-metformin"] == ["contraindication"]


def test_omission_suggests_and_adds_a_proposal_to_the_list(mini: Knowledge) -> None:
    r = _review(mini, [{"atc": "C08CA01", "prescriber": "cardioloog"}], conditions=[{"code": "I48.9", "system": "icd10"}])
    omission = next(f for f in r.findings if f.kind == "omission")
    assert omission.atc == [] and omission.suggest == ["B01AA", "B01AF"]
    assert omission.prescribers == ["cardioloog"]
    proposal = next(m for m in r.medications if m.status == "proposed")
    assert proposal.action == "start" and proposal.findings == [omission.id]


def test_reconciled_list_keeps_every_medicine_once_unresolved_first(mini: Knowledge) -> None:
    r = _review(mini, [{"atc": "C08CA01"}, {"name": "Norvasc 5 mg"}, {"name": "Xyzzy 10 mg"},
                       {"atc": "C03CA01", "status": "stopped", "stop_reason": "oedeem verdwenen"}])
    assert r.medications[0].unresolved and "Xyzzy" in r.medications[0].name
    assert [m.atc for m in r.medications].count("C08CA01") == 1
    stopped = next(m for m in r.medications if m.atc == "C03CA01")
    assert stopped.status == "stopped" and stopped.stop_reason == "oedeem verdwenen"


def test_findings_link_to_list_entries_with_the_strongest_action(mini: Knowledge) -> None:
    r = _review(mini, [{"atc": "B01AA07"}, {"atc": "M01AE02"}], labs=[{"test": "egfr", "value": 40}])
    nsaid = next(m for m in r.medications if m.atc == "M01AE02")
    assert nsaid.action == "stop" and len(nsaid.findings) == 2


def test_review_date_defaults(mini: Knowledge) -> None:
    data = native([{"atc": "C08CA01"}])
    del data["review_date"]
    assert mbo.review(data, knowledge=mini).review_date == date.today()
    assert mbo.review(data, knowledge=mini, review_date=date(2025, 5, 1)).review_date == date(2025, 5, 1)


def test_the_review_records_the_knowledge_base_and_its_own_criteria(mini: Knowledge) -> None:
    stamp = _review(mini, [{"atc": "C08CA01"}]).knowledge
    assert (stamp.version, stamp.hash) == (mini.version, mini.hash) and len(stamp.hash) == 64
    assert stamp.criteria.model_dump() == {"set": "STOPP/START v3", "file": None, "sha256": None, "rules": 5}


def test_the_bundled_knowledge_names_every_criteria_set_it_applies(kb: Knowledge) -> None:
    stamp = mbo.review(native([{"atc": "C08CA01"}]), knowledge=kb).knowledge
    assert stamp.hash == kb.hash and stamp.criteria.set == "STOPP/START v3 + STOPPFall"
    assert stamp.criteria.rules == sum(1 for c in kb.criteria if c.rule.kind != "dose") and stamp.criteria.file is None


def test_english_output(mini: Knowledge) -> None:
    r = mbo.review(native([{"atc": "B01AA07"}, {"atc": "M01AE02"}]), knowledge=mini, lang="en")
    assert r.language == "en" and r.findings[0].recommendation == "Stop the NSAID."


def test_a_diagnosis_of_the_effect_before_the_index_drug_silences_the_cascade(mini: Knowledge) -> None:
    meds = [{"atc": "C08CA01", "start": "2024-02-05"}, {"atc": "C03CA01", "start": "2024-06-20"}]
    before = _review(mini, meds, conditions=[{"code": "R60.0", "system": "icd10", "onset": "2020-01-01"}])
    after = _review(mini, meds, conditions=[{"code": "R60.0", "system": "icd10", "onset": "2024-05-01"}])
    assert not [f for f in before.findings if f.kind == "cascade"]
    confirmed = next(f for f in after.findings if f.kind == "cascade")
    assert confirmed.severity == "moderate" and "01-05-2024" in confirmed.rationale


def test_a_restart_after_a_documented_stop_is_found_in_one_fhir_bundle(mini: Knowledge) -> None:
    bundle = {"resourceType": "Bundle", "timestamp": "2026-01-01", "entry": [{"resource": r} for r in (
        {"resourceType": "Patient", "birthDate": "1941-01-01", "gender": "female"},
        {"resourceType": "Practitioner", "id": "ha", "name": [{"text": "H. Jansen"}], "qualification": [{"code": {"text": "huisarts"}}]},
        {"resourceType": "Practitioner", "id": "or", "name": [{"text": "T. Bos"}], "qualification": [{"code": {"text": "orthopeed"}}]},
        {"resourceType": "MedicationStatement", "id": "s1", "status": "stopped",
         "statusReason": [{"text": "maagbloeding"}], "medicationCodeableConcept": {"text": "naproxen 500 mg"},
         "effectivePeriod": {"start": "2023-05-01", "end": "2025-03-01"}, "informationSource": {"reference": "Practitioner/ha"}},
        {"resourceType": "MedicationRequest", "id": "r1", "status": "active", "authoredOn": "2025-09-15",
         "medicationCodeableConcept": {"text": "Naproxen 250 mg tablet"}, "requester": {"reference": "Practitioner/or"}},
    )]}
    review = mbo.review(bundle, knowledge=mini)
    found = [f for f in review.findings if f.kind == "discrepancy"]
    assert len(found) == 1 and found[0].severity == "high" and found[0].atc == ["M01AE02"]
    assert "maagbloeding" in found[0].rationale and "01-03-2025" in found[0].rationale
    assert found[0].prescribers == ["orthopeed (T. Bos)", "huisarts (H. Jansen)"]
    assert [m.status for m in review.medications] == ["active"]
