"""GP (ICPC-NL), SNOMED CT and renamed ATC codes map to the knowledge base's concepts."""

from __future__ import annotations

import pytest

from mbo import Knowledge


@pytest.mark.parametrize("code, concept", [
    ("P70.01", "alzheimers-disease"),
    ("P70.02", "vascular-dementia"),
    ("D94", "inflammatory-bowel-disease"),
    ("D94.01", "inflammatory-bowel-disease"),   # an ICPC-NL subcode under D94
    ("L99.01", "polymyalgia-rheumatica"),
    ("B90", "immunodeficiency"),
])
def test_icpc_codes_map_to_their_concept(kb: Knowledge, code: str, concept: str) -> None:
    assert concept in kb.condition_concepts("icpc", code, None)


def test_icpc_subcodes_stay_specific(kb: Knowledge) -> None:
    assert "dementia" in kb.condition_concepts("icpc", "P70.01", None)        # broader concept follows
    assert "alzheimers-disease" not in kb.condition_concepts("icpc", "P70", None)
    assert "alzheimers-disease" not in kb.condition_concepts("icpc", "P70.02", None)
    assert "polymyalgia-rheumatica" not in kb.condition_concepts("icpc", "L99", None)


@pytest.mark.parametrize("code, concept", [
    ("24526004", "inflammatory-bowel-disease"),
    ("67362008", "aortic-aneurysm"),
    ("52254009", "nephrotic-syndrome"),
    ("45007003", "hypotension"),
])
def test_snomed_codes_map_to_their_concept(kb: Knowledge, code: str, concept: str) -> None:
    assert concept in kb.condition_concepts("snomed", code, None)


def test_renamed_and_missing_atc_codes_are_named(kb: Knowledge) -> None:
    assert kb.canonical_atc("N02AX52") == "N02AJ13"
    assert kb.canonical_atc("R03AK03") == "R03AL01"
    assert kb.atc_name("N02AX52", "nl") == "tramadol/paracetamol"
