"""ATC class names (knowledge/atc_classes.yaml): reports name a class a rule suggests, never its bare code."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import mbo
from mbo import Knowledge, KnowledgeError

from conftest import MINI
from _helpers import native

_CODE = re.compile(r"\b[A-Z]\d\d[A-Z]{0,2}(\d\d)?\b")
_CONDITIONS = [{"code": "I10", "system": "icd10", "onset": "2011-01-01"},
               {"code": "I48.9", "system": "icd10", "onset": "2025-11-01"}]


def _start_b1_c1(kb: Knowledge, lang: str = "nl") -> mbo.Review:
    """A man with untreated high blood pressure (START-B1) and atrial fibrillation without anticoagulant (START-C1)."""
    data = native([{"atc": "N02BE01", "start": "2025-11-05"}], conditions=_CONDITIONS,
                  labs=[{"test": "systolic-bp", "value": 162}, {"test": "egfr", "value": 62}])
    data["patient"] = {"birth_date": "1945-06-01", "sex": "male"}
    return mbo.review(data, knowledge=kb, lang=lang)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_class_proposals_are_named(kb: Knowledge, lang: str) -> None:
    review = _start_b1_c1(kb, lang)
    rules = {f.id: f.rule for f in review.findings}
    proposals = {rules[m.findings[0]]: m.name for m in review.medications if m.status == "proposed"}
    assert {"START-B1", "START-C1"} <= set(proposals), proposals
    for rule in ("START-B1", "START-C1"):
        names = proposals[rule].rsplit(" (", 1)[0]  # the codes follow the names in brackets
        assert not _CODE.search(names), (rule, names)
    ace, vka = ("ACE inhibitors", "vitamin K antagonists") if lang == "en" else ("ACE-remmers", "vitamine K-antagonisten")
    assert ace in proposals["START-B1"] and vka in proposals["START-C1"]


def test_patient_list_names_a_class_proposal(kb: Knowledge) -> None:
    md = mbo.render(_start_b1_c1(kb), "md", report="patient")
    proposals = [line for line in md.splitlines() if "Misschien een nieuw medicijn" in line]
    assert proposals and all(re.search(r"Misschien een nieuw medicijn\*?\*?: \S", line) for line in proposals), proposals
    assert any("ACE-remmers" in line for line in proposals) and any("vitamine K-antagonisten" in line for line in proposals)


def test_vaccines_are_named_by_their_vaccine(kb: Knowledge) -> None:
    assert kb.selector_names("J07BB", "nl") == kb.vaccines["influenza"].nl
    assert kb.selector_names("J07BK03", "en") == kb.vaccines["herpes-zoster"].en


def test_every_main_group_has_a_name_and_a_domain(kb: Knowledge) -> None:
    for letter in "ABCDGHJLMNPRSV":
        main = kb.atc_classes[letter]
        assert main.nl and main.en and main.domain is not None, letter
    assert kb.atc_domain("C09AA05", "nl") == "Hart en vaten" and kb.atc_domain("N06AB04", "en") == "Nervous system and mental health"


def test_a_class_code_without_a_name_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "knowledge"
    shutil.copytree(MINI, broken)
    shutil.copytree(MINI.parent / "cascades", tmp_path / "cascades")
    names = broken / "atc_classes.yaml"
    names.write_text(names.read_text(encoding="utf-8").replace("  - {code: B01AA,", "  # - {code: B01AA,"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"START-A1.*B01AA.*atc_classes\.yaml"):
        mbo.load_knowledge(broken)


def test_the_class_names_are_checked_against_their_schema(tmp_path: Path) -> None:
    broken = tmp_path / "knowledge"
    shutil.copytree(MINI, broken)
    shutil.copytree(MINI.parent / "cascades", tmp_path / "cascades")
    (broken / "atc_classes.yaml").write_text(
        "sources: [x]\nclasses:\n  - {code: C08CA, nl: x, en: x, domain: {nl: x, en: x}}\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="atc_classes.yaml"):
        mbo.load_knowledge(broken)
