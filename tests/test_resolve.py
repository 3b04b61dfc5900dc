"""Medicine text, ATC and RxNorm resolution against the bundled vocabulary."""

from __future__ import annotations

import pytest

from mbo import Knowledge
from mbo._resolve import resolve_medicine


@pytest.mark.parametrize("text, atc", [
    ("Klacid 500 mg tablet", "J01FA09"),
    ("Ascal Cardio 100 mg", "B01AC08"),
    ("simvastatine", "C10AA01"),
    ("Simvastatin 10 MG Oral Tablet", "C10AA01"),
    ("Sintrom mitis 1 mg", "B01AA07"),
    ("nitrofurantoïne", "J01XE01"),
    ("metformine 500 mg", "A10BA02"),
    ("amLODIPine 2.5 MG Oral Tablet", "C08CA01"),
    ("Warfarin Sodium 5 MG Oral Tablet", "B01AA03"),
    ("lithium carbonate 300 MG Oral Tablet", "N05AN01"),
    ("propranolol hydrochloride 40 MG Oral Tablet", "C07AA05"),
    ("albuterol 0.21 MG/ML Inhalation Solution", "R03AC02"),
    ("Hydrocortisone 10 MG/ML Topical Cream", "D07AA02"),
    ("hydrocortison 10 mg tablet", "H02AB09"),
    ("Flixonase neusspray", "R01AD08"),
    ("metronidazol vaginaal 500 mg", "G01AF01"),
    ("metronidazol 500 mg tablet", "P01AB01"),
])
def test_text_resolves_to_the_substance(kb: Knowledge, text: str, atc: str) -> None:
    assert resolve_medicine(kb, text).atc == atc


def test_rxnorm_ingredient_id(kb: Knowledge) -> None:
    assert resolve_medicine(kb, "", rxnorm=("36567",)).atc == "C10AA01"


def test_renamed_atc_codes_are_read_as_aliases(kb: Knowledge) -> None:
    assert resolve_medicine(kb, "pregabaline", atc="N03AX16").atc == "N02BF02"


def test_a_combination_maps_to_its_components(kb: Knowledge) -> None:
    res = resolve_medicine(kb, "Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet")
    assert set(res.components) == {"N02BE01", "N02AA05"}


def test_an_unknown_name_stays_unresolved(kb: Knowledge) -> None:
    res = resolve_medicine(kb, "Xyzzy 10 mg")
    assert not res.resolved and res.atc is None


def test_a_sub_code_with_a_meaning_of_its_own_is_not_its_parent(kb: Knowledge) -> None:
    assert "osteoporosis" in kb.condition_concepts("icpc", "L95", None)
    assert kb.condition_concepts("icpc", "L95.01", None) == {"osteopenia"}
