"""Properties of every review, checked with generated patients on the bundled knowledge base."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mbo
from mbo import Knowledge
from mbo._resolve import resolve_medicine

from _helpers import native

_KB = mbo.load_knowledge()
_CODES = sorted(_KB.substances)
_MENTIONED_GROUPS = [sel for sel in _KB._selectors.values()]
_SCORED = {code for scale in _KB.burden for code in scale.scores}
# Substances no rule looks at: adding one may not change any finding.
_UNMENTIONED = [c for c in _CODES if c not in _SCORED and not any(sel.matches(c) for sel in _MENTIONED_GROUPS)]

_med = st.one_of(
    st.builds(lambda c, s: {"atc": c, "start": s}, st.sampled_from(_CODES),
              st.dates(min_value=__import__("datetime").date(2010, 1, 1), max_value=__import__("datetime").date(2025, 12, 1)).map(str)),
    st.builds(lambda name: {"name": name}, st.sampled_from([_KB.substances[c].nl for c in _CODES[:200]])),
    st.builds(lambda t: {"name": t}, st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
              .filter(lambda t: t.strip())),
)
_conditions = st.lists(st.sampled_from(["I10", "I48.9", "I50.9", "E11.9", "G30.9", "N18.4", "J44.9", "M16.9", "F32.9", "G20"]),
                       max_size=4, unique=True).map(lambda cs: [{"code": c, "system": "icd10", "onset": "2015-01-01"} for c in cs])
_labs = st.lists(st.sampled_from([("egfr", 24.0), ("egfr", 41.0), ("egfr", 75.0), ("potassium", 5.6), ("sodium", 128.0)]),
                 max_size=3, unique_by=lambda x: x[0]).map(lambda ls: [{"test": t, "value": v, "date": "2025-12-01"} for t, v in ls])
_patient = st.tuples(st.lists(_med, min_size=1, max_size=15), _conditions, _labs)
_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _review(meds: list[dict[str, object]], conditions: list[dict[str, object]], labs: list[dict[str, object]]) -> mbo.Review:
    return mbo.review(native(meds, conditions=conditions, labs=labs), knowledge=_KB)


def _signature(review: mbo.Review) -> list[tuple[object, ...]]:
    return sorted((f.rule, f.kind, f.severity, tuple(f.atc), tuple(f.suggest)) for f in review.findings)


@_SETTINGS
@given(_patient)
def test_no_input_medicine_is_lost(patient: tuple[list[dict[str, object]], list[dict[str, object]], list[dict[str, object]]]) -> None:
    meds, conditions, labs = patient
    review = _review(meds, conditions, labs)
    listed = [m for m in review.medications if m.status != "proposed"]
    texts = {m.text for m in listed}
    atcs = {c for m in listed for c in (m.atc, *m.components) if c}
    for med in meds:
        res = resolve_medicine(_KB, str(med.get("name", "")), atc=med.get("atc"))  # type: ignore[arg-type]
        if res.resolved:  # the same substance written twice is one entry on the list
            assert res.atc in atcs or set(res.components) <= atcs
        else:
            assert str(med.get("name")).strip() in texts


@_SETTINGS
@given(_patient, st.randoms(use_true_random=False))
def test_findings_do_not_depend_on_the_order_of_the_list(patient, rnd) -> None:  # type: ignore[no-untyped-def]
    meds, conditions, labs = patient
    shuffled = list(meds)
    rnd.shuffle(shuffled)
    assert _review(meds, conditions, labs).to_json() == _review(shuffled, conditions, labs).to_json()


@_SETTINGS
@given(_patient)
def test_the_same_input_gives_byte_identical_json(patient) -> None:  # type: ignore[no-untyped-def]
    meds, conditions, labs = patient
    assert _review(meds, conditions, labs).to_json() == _review(meds, conditions, labs).to_json()


@_SETTINGS
@given(_patient, st.sampled_from(_UNMENTIONED or ["V03AB15"]))
def test_adding_a_medicine_no_rule_mentions_removes_no_finding(patient, extra: str) -> None:  # type: ignore[no-untyped-def]
    meds, conditions, labs = patient
    before = _signature(_review(meds, conditions, labs))
    after = _signature(_review(meds + [{"atc": extra}], conditions, labs))
    assert set(before) <= set(after)
