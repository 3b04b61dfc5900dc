"""Any damage to a valid input gives a review or a one-line InputError, never another exception."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mbo
from mbo import Knowledge

from conftest import MINI

_KB: Knowledge = mbo.load_knowledge(MINI)
_BUNDLE: dict[str, Any] = {
    "resourceType": "Bundle", "type": "collection", "timestamp": "2026-01-01T09:00:00Z",
    "entry": [
        {"fullUrl": "urn:uuid:p", "resource": {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1940-01-01"}},
        {"fullUrl": "urn:uuid:dr", "resource": {"resourceType": "Practitioner", "id": "dr", "name": [{"text": "A. Arts"}],
                                                "qualification": [{"code": {"text": "huisarts"}}]}},
        {"resource": {"resourceType": "Condition", "id": "c", "clinicalStatus": {"coding": [{"code": "active"}]},
                      "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I48.9"}], "text": "AF"},
                      "onsetDateTime": "2019-01-01"}},
        {"resource": {"resourceType": "Observation", "id": "o", "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "62238-1"}]},
                      "valueQuantity": {"value": 40, "unit": "mL/min/{1.73_m2}"}, "effectiveDateTime": "2025-12-01"}},
        {"resource": {"resourceType": "MedicationRequest", "id": "m1", "status": "active", "authoredOn": "2019-02-01",
                      "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "B01AA07"}],
                                                    "text": "Sintrom"},
                      "requester": {"reference": "urn:uuid:dr"}, "dosageInstruction": [{"text": "volgens schema"}]}},
        {"resource": {"resourceType": "MedicationStatement", "id": "m2", "status": "active",
                      "medicationCodeableConcept": {"text": "naproxen 500 mg"},
                      "effectivePeriod": {"start": "2025-10-01"}, "dosage": [{"text": "2 dd 500 mg"}]}},
    ],
}
_json = st.recursive(st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False, width=16) | st.text(max_size=6),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                     max_leaves=6)
_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


_ALL_PATHS = list(_paths(_BUNDLE))


def _review_or_input_error(data: dict[str, Any]) -> None:
    try:
        mbo.review(data, knowledge=_KB)
    except mbo.InputError as err:
        assert "\n" not in str(err) and err.field


@_SETTINGS
@given(st.sampled_from(_ALL_PATHS), _json)
def test_a_damaged_bundle_is_reviewed_or_refused_in_one_line(path: tuple[Any, ...], value: Any) -> None:
    bundle = copy.deepcopy(_BUNDLE)
    node = bundle
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    _review_or_input_error(bundle)


@_SETTINGS
@given(st.dictionaries(st.sampled_from(["patient", "medications", "conditions", "labs", "review_date", "prescribers", "x"]),
                       _json, max_size=5))
def test_any_native_document_is_reviewed_or_refused_in_one_line(doc: dict[str, Any]) -> None:
    _review_or_input_error(doc)
