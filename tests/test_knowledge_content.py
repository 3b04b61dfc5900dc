"""The bundled knowledge base holds what the first version promises."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mbo import Knowledge
from mbo._kb_schema import Indication

THINKCASCADES_EFFECTS_MIN = 9
ONC_PAIRS = [  # Phansalkar 2012: one representative substance pair per high-priority interaction
    ("N06BA02", "N06AF04"),  # dexamfetamine + tranylcypromine (amphetamines + MAOI)
    ("J05AE08", "A02BC01"),  # atazanavir + omeprazole
    ("M04AA03", "L04AX01"),  # febuxostat + azathioprine
    ("N06AB04", "N06AF04"),  # citalopram + tranylcypromine (SSRI + MAOI)
    ("L01CE02", "J02AC02"),  # irinotecan + itraconazole
    ("N02AB03", "N06AF04"),  # fentanyl + tranylcypromine (opioid + MAOI)
    ("N06AA09", "N06AF04"),  # amitriptyline + tranylcypromine (TCA + MAOI)
    ("C01BD01", "J01FA09"),  # amiodarone + clarithromycin (two QT drugs)
    ("N05CH02", "N06AB08"),  # ramelteon + fluvoxamine
    ("J04AB02", "J05AE08"),  # rifampicin + atazanavir
    ("C10AA01", "J01FA09"),  # simvastatin + clarithromycin
    ("G02AB03", "J01FA09"),  # ergometrine + clarithromycin
    ("M03BX02", "J01MA02"),  # tizanidine + ciprofloxacin
    ("N06AF04", "L01XB01"),  # tranylcypromine + procarbazine
    ("N02CC01", "N06AF04"),  # sumatriptan + tranylcypromine
]


def test_justifying_conditions_come_with_a_purpose() -> None:
    base = {"id": "IND-x", "drug": "C10AA", "sources": ["x"], "examples": {"fire": [{}], "quiet": [{}]}}
    Indication(**base, conditions=["stroke"], justified_by=["hypertension"], purpose={"nl": "a", "en": "b"})
    for bad in ({"justified_by": ["hypertension"]}, {"purpose": {"nl": "a", "en": "b"}},
                {"conditions": ["stroke"], "justified_by": ["stroke"], "purpose": {"nl": "a", "en": "b"}}):
        with pytest.raises(ValidationError):
            Indication(**base, **bad)


def test_counts_of_the_first_version(kb: Knowledge) -> None:
    counts = kb.counts()
    assert counts["substances"] >= 300
    assert counts["cascades"] >= 25
    assert counts["interactions"] >= 40
    assert counts["criteria"] >= 40
    assert counts["renal"] >= 25
    assert counts["burden_scores"] >= 50


def test_the_onc_high_priority_pairs_are_covered(kb: Knowledge) -> None:
    missing = [pair for pair in ONC_PAIRS
               if not any(_covers(ia.drugs, pair) for ia in kb.interactions)]
    assert not missing


def _covers(selectors: tuple[object, ...], pair: tuple[str, str]) -> bool:
    a, b = pair
    first, second = selectors[0], selectors[1]
    return (first.matches(a) and second.matches(b)) or (first.matches(b) and second.matches(a))  # type: ignore[attr-defined]


def test_the_nine_thinkcascades_are_there(kb: Knowledge) -> None:
    think = [c for c in kb.cascades if any("thinkcascades" in s.lower() for s in c.rule.sources)]
    assert len(think) >= THINKCASCADES_EFFECTS_MIN


def test_ids_are_unique_across_kinds(kb: Knowledge) -> None:
    ids = list(kb.rules) + list(kb.groups) + list(kb.conditions)
    assert len(ids) == len(set(ids))


def test_every_condition_has_a_lay_name(kb: Knowledge) -> None:
    """Any concept can name what a medicine is for on the patient's list (a narrower concept stands for the
    indication's), so every one carries the patient's words, in both languages."""
    assert {cid for ind in kb.indications for cid in ind.rule.conditions} <= set(kb.conditions)
    assert [cid for cid, c in kb.conditions.items() if c.lay is None] == []
