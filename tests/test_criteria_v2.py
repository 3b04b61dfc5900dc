"""The STOPP/START v2 algorithms (Huibers et al. 2018) read from their published XML as a second criteria set."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import mbo
from mbo import Knowledge, KnowledgeError
from mbo._criteria_v2 import load_criteria_v2
from mbo.cli import cli

from _helpers import native
from conftest import CASES, SHARED

XML = SHARED / "reference" / "stoppstart-v2" / "stoppstart.xml"


@pytest.fixture(scope="module")
def xml() -> Path:
    if not XML.is_file():
        pytest.skip("../shared/reference/stoppstart-v2 is not beside the checkout")
    return XML


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _v2(kb: Knowledge, xml: Path, meds: list[dict[str, object]], **extra: object) -> dict[str, Any]:
    """rule id → finding, for the v2 findings of a review of this native patient."""
    review = mbo.review(native(meds, **extra), knowledge=kb, criteria=xml)
    return {f.rule: f for f in review.findings if f.rule.startswith("v2:")}


def _icpc(code: str, onset: str = "2020-01-01") -> dict[str, object]:
    return {"code": code, "system": "icpc", "onset": onset}


def _icd10(code: str, onset: str = "2020-01-01") -> dict[str, object]:
    return {"code": code, "system": "icd10", "onset": onset}


# -- the file ----------------------------------------------------------------------------------


def test_the_published_file_loads_with_all_its_rules(xml: Path) -> None:
    rules = load_criteria_v2(xml).rules
    kinds = Counter(r.id.split()[0] for r in rules)
    assert len(rules) == 112 and kinds == {"STOPP": 77, "START": 35}
    assert Counter(r.kind for r in rules) == {"inappropriate": 77, "omission": 35}
    assert all(r.kind == ("omission" if r.id.startswith("START") else "inappropriate") for r in rules)


def test_the_file_is_parsed_once_per_version(xml: Path, tmp_path: Path) -> None:
    assert load_criteria_v2(xml) is load_criteria_v2(str(xml))
    copy = tmp_path / "stoppstart.xml"
    shutil.copyfile(xml, copy)
    first = load_criteria_v2(copy)
    copy.write_text(copy.read_text(encoding="utf-8").replace("START A1", "START Z9", 1), encoding="utf-8")
    assert load_criteria_v2(copy) is not first and load_criteria_v2(copy).rules[0].id == "START Z9"


def test_the_file_is_never_modified(kb: Knowledge, xml: Path) -> None:
    before = _digest(xml), xml.stat().st_mtime_ns
    _v2(kb, xml, [{"atc": "M01AE01"}, {"atc": "M01AE02"}], conditions=[_icpc("K78")])
    if CASES.is_dir():
        for case in sorted(CASES.glob("*.json")):
            if not case.name.endswith(".expected.json"):
                mbo.review(case, knowledge=kb, criteria=xml)
    assert (_digest(xml), xml.stat().st_mtime_ns) == before


def test_a_missing_file_is_a_knowledge_error(kb: Knowledge, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.xml"
    with pytest.raises(KnowledgeError, match="nowhere.xml"):
        mbo.review(native([{"atc": "N02BE01"}]), knowledge=kb, criteria=missing)


@pytest.mark.parametrize("text, problem", [
    ("<rules><rule id='X'>", "not well-formed XML"),
    ("<regels/>", "not <rules>"),
    ("<rules><rule id='STOPP X'><description language='en'>x</description>"
     "<iteration priority='1'><action type='stop'><medicine><terminology name='bnf'><values operator='='>"
     "<value>1</value></values></terminology></medicine></action></iteration></rule></rules>", "unknown terminology"),
    ("<rules><rule id='STOPP X'><description language='en'>x</description>"
     "<iteration priority='1'><action type='stop'><medicine><terminology name='atc'><values operator='~'>"
     "<value>N05</value></values></terminology></medicine></action></iteration></rule></rules>", "operator"),
])
def test_a_malformed_file_is_a_knowledge_error_naming_it(kb: Knowledge, tmp_path: Path, text: str, problem: str) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError, match=problem) as err:
        load_criteria_v2(bad)
    assert "bad.xml" in str(err.value)


def test_external_entities_are_not_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("B01AA", encoding="utf-8")
    doc = tmp_path / "entity.xml"
    doc.write_text(f"""<?xml version="1.0"?><!DOCTYPE rules [<!ENTITY ext SYSTEM "{secret.as_uri()}">]>
<rules><rule id="START X"><description language="en">&ext;</description><iteration priority="1">
<action type="start"><medicine><terminology name="atc"><values operator="="><value>B01AA</value></values>
</terminology></medicine></action></iteration></rule></rules>""", encoding="utf-8")
    try:
        rules = load_criteria_v2(doc).rules
    except KnowledgeError:
        return  # refused: fine
    assert "B01AA" not in rules[0].description


def test_cli_uses_the_xml_and_fails_with_exit_3(kb: Knowledge, xml: Path, tmp_path: Path) -> None:
    patient = tmp_path / "p.json"
    patient.write_text(json.dumps(native([{"atc": "C07AB02"}], conditions=[_icpc("K78")])), encoding="utf-8")
    ok = CliRunner().invoke(cli, ["review", str(patient), "--criteria", str(xml), "-f", "json"])
    assert ok.exit_code == 0, ok.output
    rules = [f["rule"] for f in json.loads(ok.output)["findings"]]
    assert "v2:START A1" in rules and not any(r.startswith("START-") for r in rules)
    bad = CliRunner().invoke(cli, ["review", str(patient), "--criteria", str(tmp_path / "absent.xml")])
    assert bad.exit_code == 3 and "absent.xml" in bad.output


# -- what replaces what --------------------------------------------------------------------------


def test_v2_replaces_the_v3_criteria_and_keeps_the_other_detectors(kb: Knowledge, xml: Path) -> None:
    meds = [{"atc": "B01AA07", "start": "2024-01-01"}, {"atc": "M01AE02", "start": "2025-11-01"}]
    v3 = mbo.review(native(meds), knowledge=kb)
    v2 = mbo.review(native(meds), knowledge=kb, criteria=xml)
    assert any(f.kind == "interaction" for f in v2.findings)
    assert {f.rule for f in v2.findings if f.kind == "interaction"} == {f.rule for f in v3.findings if f.kind == "interaction"}
    assert not any(f.rule.startswith(("STOPP-", "START-")) for f in v2.findings)
    c10 = next(f for f in v2.findings if f.rule == "v2:STOPP C10")
    assert c10.kind == "inappropriate" and c10.atc == ["M01AE02"] and c10.suggest == []
    assert any("Huibers" in s for s in c10.sources) and any("stoppstart.xml" in s for s in c10.sources)
    assert "Engelse" in c10.rationale and c10.title.startswith("Stop NSAID and vitamin K antagonist")


# -- rules that fire, and their nearest look-alikes ----------------------------------------------


def test_start_a1_af_without_anticoagulant(kb: Knowledge, xml: Path) -> None:
    fired = _v2(kb, xml, [{"atc": "C07AB02"}], conditions=[_icpc("K78")])["v2:START A1"]
    assert fired.kind == "omission" and fired.suggest == ["B01AA", "B01AE", "B01AF"] and fired.atc == []
    assert "v2:START A1" not in _v2(kb, xml, [{"atc": "C07AB02"}, {"atc": "B01AF02"}], conditions=[_icpc("K78")])
    assert "v2:START A1" in _v2(kb, xml, [{"atc": "C07AB02"}], conditions=[_icd10("I48.2")])
    # As published, the ICD-10 iteration asks for chronic AF (I48.2) only: unspecified AF stays quiet.
    assert "v2:START A1" not in _v2(kb, xml, [{"atc": "C07AB02"}], conditions=[_icd10("I48.9")])


def test_start_a1_from_snomed_through_the_knowledge_base(kb: Knowledge, xml: Path) -> None:
    af = {"code": "49436004", "system": "snomed", "text": "atrial fibrillation"}
    fired = _v2(kb, xml, [{"atc": "C07AB02"}], conditions=[af])["v2:START A1"]
    assert "K78" in fired.rationale and "kennisbank" in fired.rationale


def test_stopp_f2_ppi_above_full_dose(kb: Knowledge, xml: Path) -> None:
    assert "v2:STOPP F2" in _v2(kb, xml, [{"atc": "A02BC01", "dose": "1 dd 40 mg", "start": "2024-01-01"}])
    assert "v2:STOPP F2" not in _v2(kb, xml, [{"atc": "A02BC01", "dose": "1 dd 20 mg", "start": "2024-01-01"}])
    assert "v2:STOPP F2" not in _v2(kb, xml, [{"atc": "A02BC01", "dose": "volgens schema", "start": "2024-01-01"}])


def test_stopp_d5_benzodiazepine_longer_than_four_weeks(kb: Knowledge, xml: Path) -> None:
    assert "v2:STOPP D5" in _v2(kb, xml, [{"atc": "N05BA04", "start": "2025-10-01"}])
    assert "v2:STOPP D5" not in _v2(kb, xml, [{"atc": "N05BA04", "start": "2025-12-20"}])
    assert "v2:STOPP D5" not in _v2(kb, xml, [{"atc": "N05BA04"}])  # no start date: duration unknown


def test_stopp_e6_metformin_with_low_egfr(kb: Knowledge, xml: Path) -> None:
    met = [{"atc": "A10BA02", "dose": "2 dd 500 mg"}]
    fired = _v2(kb, xml, met, labs=[{"test": "egfr", "value": 25, "date": "2025-12-01"}])["v2:STOPP E6"]
    assert fired.atc == ["A10BA02"] and "eGFR" in fired.rationale
    assert "v2:STOPP E6" not in _v2(kb, xml, met, labs=[{"test": "egfr", "value": 35, "date": "2025-12-01"}])
    assert "v2:STOPP E6" not in _v2(kb, xml, met)


def test_stopp_b11_raas_inhibitor_with_hyperkalaemia(kb: Knowledge, xml: Path) -> None:
    ace = [{"atc": "C09AA02"}]
    assert "v2:STOPP B11" in _v2(kb, xml, ace, labs=[{"test": "2823-3", "value": 5.3}])
    assert "v2:STOPP B11" not in _v2(kb, xml, ace, labs=[{"test": "2823-3", "value": 4.6}])
    assert "v2:STOPP B11" in _v2(kb, xml, ace, conditions=[_icd10("E87.5")])


def test_stopp_a3_two_medicines_of_one_class(kb: Knowledge, xml: Path) -> None:
    fired = _v2(kb, xml, [{"atc": "M01AE01"}, {"atc": "M01AB05"}])["v2:STOPP A3"]
    assert fired.atc == ["M01AB05", "M01AE01"]
    assert "v2:STOPP A3" not in _v2(kb, xml, [{"atc": "M01AE01"}])
    assert "v2:STOPP A3" not in _v2(kb, xml, [{"atc": "M01AE01", "start": "2025-01-01"},
                                              {"atc": "M01AE01", "start": "2025-06-01"}])  # one medicine, two orders


def test_stopp_l2_opioid_without_laxative(kb: Knowledge, xml: Path) -> None:
    assert "v2:STOPP L2" in _v2(kb, xml, [{"atc": "N02AA05"}])
    assert "v2:STOPP L2" not in _v2(kb, xml, [{"atc": "N02AA05"}, {"atc": "A06AD65"}])


def test_start_e7_methotrexate_without_folic_acid(kb: Knowledge, xml: Path) -> None:
    fired = _v2(kb, xml, [{"atc": "L04AX03"}])["v2:START E7"]
    assert fired.suggest == ["B03BB"]
    assert "v2:START E7" not in _v2(kb, xml, [{"atc": "L04AX03"}, {"atc": "B03BB01"}])


def test_stopp_d6_antipsychotic_with_parkinsonism(kb: Knowledge, xml: Path) -> None:
    pd = [_icpc("N87")]
    assert _v2(kb, xml, [{"atc": "N05AD01"}], conditions=pd)["v2:STOPP D6"].atc == ["N05AD01"]
    assert "v2:STOPP D6" not in _v2(kb, xml, [{"atc": "N05AH04"}], conditions=pd)  # quetiapine is the exception
    assert "v2:STOPP D6" not in _v2(kb, xml, [{"atc": "N05AD01"}])


def test_stopp_c1_aspirin_dose(kb: Knowledge, xml: Path) -> None:
    assert "v2:STOPP C1" in _v2(kb, xml, [{"atc": "B01AC06", "dose": "1 dd 320 mg"}])
    assert "v2:STOPP C1" not in _v2(kb, xml, [{"atc": "B01AC06", "dose": "1 dd 80 mg"}])


def test_start_a3_dutch_icpc_subcode_reads_as_icpc2(kb: Knowledge, xml: Path) -> None:
    stroke = [_icpc("K90.03")]
    assert "v2:START A3" in _v2(kb, xml, [{"atc": "C10AA05"}], conditions=stroke)
    assert "v2:START A3" not in _v2(kb, xml, [{"atc": "C10AA05"}, {"atc": "B01AC06"}], conditions=stroke)
    assert "v2:START A3" not in _v2(kb, xml, [{"atc": "C10AA05"}], conditions=[{**_icpc("K90.03"), "active": False}])


def test_start_i1_influenza_vaccine_needs_a_vaccination_record(kb: Knowledge, xml: Path) -> None:
    meds = [{"atc": "C07AB02"}]
    assert "v2:START I1" not in _v2(kb, xml, meds)  # no record: absence is unknown
    assert "v2:START I1" in _v2(kb, xml, meds, vaccinations=[])
    flu = next((a for v in getattr(kb, "vaccines", {}).values() for a in v.atc if a.startswith("J07BB")), None)
    if flu is not None:  # the knowledge base knows influenza vaccines by ATC
        recent = [{"vaccine": flu, "system": "atc", "date": "2025-10-15"}]
        assert "v2:START I1" not in _v2(kb, xml, meds, vaccinations=recent)
        old = [{"vaccine": flu, "system": "atc", "date": "2023-10-15"}]
        assert "v2:START I1" in _v2(kb, xml, meds, vaccinations=old)


def test_v3_and_v2_agree_on_af_without_anticoagulant(kb: Knowledge, xml: Path) -> None:
    af = native([{"atc": "C07AB02", "start": "2025-11-05"}],
                conditions=[{"code": "K78", "system": "icpc", "onset": "2025-11-01"}])
    v3 = [f for f in mbo.review(af, knowledge=kb).findings if f.kind == "omission" and f.rule.startswith("START-")]
    v2 = [f for f in mbo.review(af, knowledge=kb, criteria=xml).findings if f.rule == "v2:START A1"]
    assert [f.rule for f in v3] == ["START-C1"] and len(v2) == 1
    assert all(any(s.startswith(p) for p in v2[0].suggest) for s in v3[0].suggest)  # every v3 suggestion is a v2 class
    treated = native([{"atc": "C07AB02"}, {"atc": "B01AF02"}], conditions=[{"code": "K78", "system": "icpc"}])
    assert not [f for f in mbo.review(treated, knowledge=kb, criteria=xml).findings if f.rule == "v2:START A1"]
    assert not [f for f in mbo.review(treated, knowledge=kb).findings if f.rule == "START-C1"]
    assert any("START A1" in s for s in kb.rule("START-C1").sources)  # the v3 rule names the v2 code set it used


# -- the public cases ------------------------------------------------------------------------------


def test_public_cases_review_with_v2(kb: Knowledge, xml: Path, shared: Path) -> None:
    for case in sorted((shared / "cases").glob("*.json")):
        if case.name.endswith(".expected.json"):
            continue
        review = mbo.review(case, knowledge=kb, criteria=xml)
        own = [(m.atc, m.text) for m in mbo.review(case, knowledge=kb).medications if m.action != "start"]
        assert [(m.atc, m.text) for m in review.medications if m.action != "start"] == own, case.name  # nothing lost
        assert all(f.rule.startswith("v2:") or not f.rule.startswith(("STOPP-", "START-")) for f in review.findings)


def test_start_a5_is_read_as_published(kb: Knowledge, xml: Path) -> None:
    """The XML fires START A5 only above age 85, although its description says "unless ... age > 85"."""
    ihd = [_icpc("K76")]
    assert "v2:START A5" in _v2(kb, xml, [{"atc": "B01AC06"}], conditions=ihd, patient={"birth_date": "1938-06-01", "sex": "male"})
    assert "v2:START A5" not in _v2(kb, xml, [{"atc": "B01AC06"}], conditions=ihd)  # 80 years old


# -- provenance: which criteria produced the review ------------------------------------------------

_ONE_RULE = ("<rules><rule id='STOPP X1'><description language='en'>Stop any benzodiazepine</description>"
             "<iteration priority='1'><action type='stop'><medicine><terminology name='atc'><values operator='='>"
             "<value regex='true'>N05BA</value></values></terminology></medicine></action></iteration></rule></rules>")


@pytest.fixture
def one_rule(tmp_path: Path) -> Path:
    path = tmp_path / "criteria.xml"
    path.write_text(_ONE_RULE, encoding="utf-8")
    return path


def test_a_v2_review_records_the_file_and_its_sha256(kb: Knowledge, one_rule: Path) -> None:
    review = mbo.review(native([{"atc": "N05BA01"}]), knowledge=kb, criteria=one_rule)
    assert "v2:STOPP X1" in {f.rule for f in review.findings}
    assert (review.knowledge.version, review.knowledge.hash) == (kb.version, kb.hash)
    assert json.loads(review.to_json())["knowledge"]["criteria"] == {
        "set": "STOPP/START v2", "file": str(one_rule), "sha256": _digest(one_rule), "rules": 1}
    one_rule.write_text(_ONE_RULE.replace("N05BA", "N05CD"), encoding="utf-8")
    changed = mbo.review(native([{"atc": "N05BA01"}]), knowledge=kb, criteria=one_rule).knowledge.criteria
    assert changed.sha256 == _digest(one_rule) != review.knowledge.criteria.sha256


def test_the_published_file_is_recorded_with_all_its_rules(kb: Knowledge, xml: Path) -> None:
    criteria = mbo.review(native([{"atc": "N02BE01"}]), knowledge=kb, criteria=xml).knowledge.criteria
    assert (criteria.set, criteria.file, criteria.sha256) == ("STOPP/START v2", str(xml), _digest(xml))
    assert criteria.rules == 112


@pytest.mark.parametrize("report", ["review", "mdb", "huisarts", "voorschrijver"])
def test_every_professional_report_names_the_criteria_in_its_footer(kb: Knowledge, one_rule: Path, report: str) -> None:
    short = f"STOPP/START v2 (criteria.xml, sha256 {_digest(one_rule)[:12]})"
    for lang, words in (("nl", "Kennisbank"), ("en", "Knowledge base")):
        review = mbo.review(native([{"atc": "N05BA01"}]), knowledge=kb, criteria=one_rule,
                            lang=lang)  # type: ignore[arg-type]
        for fmt in ("md", "html"):
            assert f"{words} {kb.version} ({kb.hash[:12]}) · {short}" in mbo.render(review, fmt, report=report)
    own = mbo.review(native([{"atc": "N05BA01"}]), knowledge=kb)
    assert f"Kennisbank {kb.version} ({kb.hash[:12]}) · STOPP/START v3 + STOPPFall" in mbo.render(own, "text")


def test_the_fhir_device_names_the_criteria(kb: Knowledge, one_rule: Path) -> None:
    review = mbo.review(native([{"atc": "N05BA01"}]), knowledge=kb, criteria=one_rule)
    bundle = mbo.to_fhir(review)  # validated against the R4B models
    [device] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Device"]
    [ext] = device["extension"]
    assert ext["url"] == "urn:mbo:fhir:criteria"
    assert {e["url"]: next(v for k, v in e.items() if k.startswith("value")) for e in ext["extension"]} == {
        "set": "STOPP/START v2", "file": str(one_rule), "sha256": _digest(one_rule), "rules": 1}
    assert {"type": {"text": "criteria sha256"}, "value": _digest(one_rule)} in device["version"]


def test_the_store_keeps_the_criteria_by_name_and_sha256(kb: Knowledge, one_rule: Path, tmp_path: Path) -> None:
    data = native([{"atc": "N05BA01"}])
    data["patient"] = {**data["patient"], "id": "pat-v2"}  # type: ignore[dict-item]
    mbo.review(data, knowledge=kb, criteria=one_rule, store=tmp_path / "reviews.sqlite")
    with mbo.Store(tmp_path / "reviews.sqlite") as store:
        [kept] = store.history("pat-v2")["reviews"]
    assert kept["knowledge"]["criteria"] == {"set": "STOPP/START v2", "file": "criteria.xml",
                                             "sha256": _digest(one_rule), "rules": 1}
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("reviews.sqlite*"))
    assert b"criteria.xml" in stored and str(tmp_path).encode() not in stored


def test_fhir_ids_tell_v2_and_v3_reviews_apart(kb: Knowledge, xml: Path) -> None:
    """A review under other explicit criteria is another set of resources: their ids differ; the same review
    gives the same ids."""
    data = native([{"atc": "B01AA07"}, {"atc": "M01AE02"}])
    v3, v2 = mbo.review(data, knowledge=kb), mbo.review(data, knowledge=kb, criteria=xml)
    ids = [{e["fullUrl"] for e in mbo.to_fhir(r)["entry"]} for r in (v3, v2, mbo.review(data, knowledge=kb))]
    assert not ids[0] & ids[1] and ids[0] == ids[2]
