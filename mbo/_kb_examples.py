"""Running every rule against its own examples (should fire, should stay quiet)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ._errors import KnowledgeError
from ._kb_schema import Example, ExampleMed, ExamplePrevious, Indication, _Rule
from ._knowledge import Knowledge
from ._memory import DEFAULT_ACCEPTANCE
from ._patient import (Condition, LabValue, Medication, Patient, Prescriber, PriorDecision, PriorFinding,
                       PriorReview, Vaccination)
from ._resolve import resolve_medicine
from ._review import Review

__all__ = ["ExampleCase", "ExampleResult", "example_cases", "example_patient", "run_example"]

_TRAILING_DATE = re.compile(r"^(.*\S)\s+(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class ExampleCase:
    """One example of one rule: `expect` is "fire" or "quiet"."""

    rule: _Rule
    expect: str
    number: int
    example: Example

    @property
    def name(self) -> str:
        return f"{self.rule.id}-{self.expect}-{self.number}"


@dataclass(frozen=True)
class ExampleResult:
    case: ExampleCase
    passed: bool
    message: str


def example_cases(kb: Knowledge) -> list[ExampleCase]:
    """Every example of every rule, in rule-id order."""
    return [ExampleCase(rule, expect, i, ex) for rule in kb.iter_rules()
            for expect in ("fire", "quiet") for i, ex in enumerate(getattr(rule.examples, expect), start=1)]


def example_patient(kb: Knowledge, ex: Example, where: str) -> Patient:
    """The small patient an example describes."""
    review = ex.review_date
    try:
        birth = review.replace(year=review.year - ex.age)
    except ValueError:
        birth = review.replace(year=review.year - ex.age, day=28)
    meds = tuple(_medication(kb, m, f"{where}.meds[{i}]", where) for i, m in enumerate(ex.meds))
    conditions = tuple(_condition(kb, c, f"{where}.conditions[{i}]") for i, c in enumerate(ex.conditions))
    labs = []
    for test, value in ex.labs.items():
        if test not in kb.labs:
            raise KnowledgeError(where, f"unknown lab {test!r} in an example")
        labs.append(LabValue(test=test, value=value, unit=kb.labs[test].unit, date=review - timedelta(days=10)))
    vaccinations = tuple(_vaccination(kb, v, f"{where}.vaccinations[{i}]") for i, v in enumerate(ex.vaccinations or []))
    return Patient(id=where, birth_date=birth, sex="female" if ex.sex == "F" else "male", review_date=review,
                   medications=meds, conditions=conditions, labs=tuple(labs), vaccinations=vaccinations,
                   vaccination_record=ex.vaccinations is not None, source=where,
                   previous=_previous(ex.previous) if ex.previous else None)


def _previous(prev: ExamplePrevious) -> PriorReview:
    """The example's previous review; a decision is dated on that review's date."""
    findings = tuple(PriorFinding(
        id=f"F{i}", rule=f.rule, atc=tuple(sorted(f.atc)), suggest=tuple(f.suggest), title=f.rule, severity=f.severity,
        decision=PriorDecision(decision=f.decision, acceptance=DEFAULT_ACCEPTANCE[f.decision], reason="example",
                               on=prev.review_date, stopped=f.stopped) if f.decision else None)
        for i, f in enumerate(prev.findings, start=1))
    return PriorReview(review_date=prev.review_date, knowledge_version="example", findings=findings)


def _vaccination(kb: Knowledge, item: str, where: str) -> Vaccination:
    m = _TRAILING_DATE.match(item.strip())
    ident, given = (m.group(1), date.fromisoformat(m.group(2))) if m else (item.strip(), None)
    if ident not in kb.vaccines:
        raise KnowledgeError(where, f"unknown vaccine {ident!r} in an example; see knowledge/vaccines.yaml")
    return Vaccination(text=ident, vaccines=frozenset({ident}), date=given)


def _medication(kb: Knowledge, item: str | ExampleMed, where: str, source: str) -> Medication:
    if isinstance(item, str):
        m = _TRAILING_DATE.match(item.strip())
        item = ExampleMed(drug=m.group(1), start=date.fromisoformat(m.group(2))) if m else ExampleMed(drug=item.strip())
    code = item.drug if re.fullmatch(r"[A-Z]\d\d[A-Z]{2}\d\d", item.drug) else None
    res = resolve_medicine(kb, item.drug, atc=code)
    if not res.resolved:
        raise KnowledgeError(where, f"example medicine {item.drug!r} is not in the vocabulary")
    who = item.prescriber or "huisarts"
    return Medication(text=item.text or item.drug, atc=res.atc, components=res.components,
                      name=kb.substance_name(res.atc) if res.atc else item.drug, resolved_by=res.resolved_by,
                      dose=item.dose, prescriber=Prescriber(id=who, specialty=who), start=item.start, stop=item.stop,
                      status=item.status, stop_reason=item.stop_reason, source=item.source or source)


def _condition(kb: Knowledge, item: str, where: str) -> Condition:
    m = _TRAILING_DATE.match(item.strip())
    ident, onset = (m.group(1), date.fromisoformat(m.group(2))) if m else (item.strip(), None)
    concepts = kb.broader_closure.get(ident) or kb.condition_concepts("icd10", ident, None)
    if not concepts:
        raise KnowledgeError(where, f"example condition {ident!r} is neither a condition id nor a known ICD-10 code")
    return Condition(text=ident, code=ident, concepts=concepts, onset=onset)


def run_example(kb: Knowledge, case: ExampleCase) -> ExampleResult:
    """Review the example's patient and check the rule fired (or stayed quiet) as promised."""
    from ._engine import review_patient

    patient = example_patient(kb, case.example, case.name)
    result = review_patient(patient, kb)
    hits = [f for f in result.findings if _is_from(kb, case.rule, f, result)]
    if case.expect == "quiet":
        ok = not hits
        return ExampleResult(case, ok, "" if ok else f"fired although it should stay quiet: {hits[0].title}")
    if not hits:
        other = ", ".join(sorted({f.rule for f in result.findings})) or "none"
        return ExampleResult(case, False, f"did not fire (findings from: {other})")
    wanted = case.example.severity
    if wanted and not any(f.severity == wanted for f in hits):
        return ExampleResult(case, False, f"fired with severity {hits[0].severity}, expected {wanted}")
    return ExampleResult(case, True, "")


def _is_from(kb: Knowledge, rule: _Rule, finding: object, result: Review) -> bool:
    if getattr(finding, "rule") == rule.id or rule.id in getattr(finding, "also"):
        return True
    if isinstance(rule, Indication) and getattr(finding, "kind") == "no-indication":
        selector = kb.selector(rule.drug, rule.id)
        return any(selector.matches(code) for code in getattr(finding, "atc"))
    return False
