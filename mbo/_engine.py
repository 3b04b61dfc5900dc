"""The review: read, build the context, run every detector, number the findings, reconcile."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import Literal

from ._context import ReviewContext, make_context
from ._criteria_v2 import V2_SET, load_criteria_v2
from ._errors import InputError
from ._knowledge import Knowledge, load_knowledge
from ._links import report_facts
from ._memory import memory_fields
from ._patient import LabValue, Patient
from ._reconcile import reconcile
from ._review import SEVERITY_RANK, CriteriaStamp, Finding, KnowledgeStamp, PatientSummary, Review
from ._store import Store, remember
from .detectors import DETECTORS, Draft
from .detectors.criteria import detect_contraindications, detect_duplications, detect_inappropriate, detect_omissions
from .detectors.memory import detect_still_open, mark_repeated
from .readers import Source, read_patient

__all__ = ["review", "review_patient"]

# The detectors of the knowledge base's explicit criteria (STOPP/START v3), which `criteria=` replaces,
# and the kinds of criteria they apply.
_EXPLICIT_CRITERIA = (detect_contraindications, detect_inappropriate, detect_omissions, detect_duplications)
_EXPLICIT_KINDS = frozenset({"contraindication", "inappropriate", "omission", "duplication"})

_KIND_ORDER = ("interaction", "contraindication", "cascade", "dose", "inappropriate", "omission", "duplication",
               "burden", "no-indication", "discrepancy")


def review(source: Source | Patient, *, review_date: date | None = None, knowledge: Knowledge | None = None,
           lang: Literal["nl", "en"] = "nl", birth_date: date | None = None, sex: str | None = None,
           criteria: str | os.PathLike[str] | None = None, store: Store | str | os.PathLike[str] | None = None,
           patient_key: str | None = None) -> Review:
    """Review one patient's medication.

    `source` is a path (FHIR R4 Bundle, native YAML/JSON, CSV; ".gz" read as it is), "-" for
    standard input, raw bytes, parsed data, or a Patient. `review_date` defaults to the Bundle's
    timestamp, else today; `birth_date` and `sex` supply what a CSV list cannot hold. `criteria`
    names a STOPP/START v2 XML file (Huibers et al. 2018) to use instead of the v3 criteria of the
    knowledge base; the other detectors run as always. With a `store` (a Store or its path) the
    review adds what the review memory knows and is recorded there, under the patient id or `patient_key`.

        >>> r = review("patient.json")                      # doctest: +SKIP
        >>> [f.title for f in r.findings if f.severity == "high"]  # doctest: +SKIP

    Raises InputError for a bad file and KnowledgeError for a broken knowledge base.
    """
    kb = knowledge or load_knowledge()
    if criteria is not None:
        load_criteria_v2(criteria)  # a missing or broken file stops the run before the patient is read
    patient = source if isinstance(source, Patient) else read_patient(
        kb, source, review_date=review_date, birth_date=birth_date, sex=sex)
    if store is not None:
        return remember(store, patient, patient_key, kb, lambda p: review_patient(p, kb, lang=lang, criteria=criteria))
    if patient_key is not None:
        raise InputError("(options)", "patient_key", "a patient key files a review in a store: give the store too")
    return review_patient(patient, kb, lang=lang, criteria=criteria)


def review_patient(patient: Patient, kb: Knowledge, *, lang: Literal["nl", "en"] = "nl",
                   criteria: str | os.PathLike[str] | None = None) -> Review:
    """Review an already-read Patient with a loaded knowledge base (`criteria`: see `review`)."""
    detectors: tuple[Callable[[ReviewContext], list[Draft]], ...] = DETECTORS
    if criteria is None:
        own = [c.rule for c in kb.criteria if c.rule.kind in _EXPLICIT_KINDS]
        applied = CriteriaStamp(set=" + ".join(dict.fromkeys(r.set for r in own)), rules=len(own))
    else:
        v2 = load_criteria_v2(criteria)
        detectors = (*(d for d in DETECTORS if d not in _EXPLICIT_CRITERIA), v2.detect)
        applied = CriteriaStamp(set=V2_SET, file=os.fspath(criteria), sha256=v2.sha256, rules=len(v2.rules))
    ctx = make_context(patient, kb, lang)
    drafts = _without_superseded(kb, [d for detect in detectors for d in detect(ctx)])
    drafts = mark_repeated(ctx, drafts)  # review memory: after the others
    drafts = sorted(drafts + detect_still_open(ctx, drafts), key=_order)
    findings = [_finding(i, d) for i, d in enumerate(drafts, start=1)]
    core = Review(review_date=patient.review_date, language=lang, source=patient.source,
                  patient=_summary(patient, ctx.facts.labs, ctx.facts.describe_lab, kb, lang, len(ctx.meds)),
                  findings=findings, medications=[],
                  knowledge=KnowledgeStamp(version=kb.version, hash=kb.hash, criteria=applied))
    facts = report_facts(ctx, findings, reconcile(patient, findings, kb, lang))
    memory = memory_fields(patient, findings, (r.id for r in kb.reconciliation if r.check == "still-open"))
    return core.model_copy(update={**facts, **memory})  # the parts are built from typed models already


def _without_superseded(kb: Knowledge, drafts: list[Draft]) -> list[Draft]:
    """Drop a finding that a more complete one on the same medicines replaces; keep its sources there.

    The keeper must be at least as severe, and the other must not have been lowered by context of its
    own: then both stay visible. Two rules that supersede each other at equal severity keep the first id.
    """

    def covers(keeper: Draft, other: Draft) -> bool:
        rule, other_rule = kb.rules.get(keeper.rule), kb.rules.get(other.rule)  # None: a rule from outside (v2 XML)
        if rule is None or other.rule not in rule.supersedes or not set(_atc(other)) <= set(_atc(keeper)):
            return False
        if other.downgraded or SEVERITY_RANK[keeper.severity] > SEVERITY_RANK[other.severity]:
            return False
        mutual = other_rule is not None and keeper.rule in other_rule.supersedes and keeper.severity == other.severity
        return not mutual or keeper.rule < other.rule

    kept = [d for d in drafts if not any(covers(k, d) for k in drafts)]
    out = []
    for d in kept:
        merged = [o for o in drafts if covers(d, o)]
        out.append(replace(d, also=tuple(sorted({o.rule for o in merged})),
                           sources=tuple(dict.fromkeys(d.sources + tuple(s for o in merged for s in o.sources)))))
    return out


def _atc(d: Draft) -> list[str]:
    return sorted({code for m in d.meds for code in (*m.components, *([m.atc] if m.atc else []))})


def _order(d: Draft) -> tuple[object, ...]:
    return (SEVERITY_RANK[d.severity], _KIND_ORDER.index(d.kind), d.rule, _atc(d), d.title)


def _finding(n: int, d: Draft) -> Finding:
    return Finding(id=f"F{n}", kind=d.kind, severity=d.severity, rule=d.rule, also=list(d.also), title=d.title,  # type: ignore[arg-type]
                   rationale=d.rationale, recommendation=d.recommendation, atc=_atc(d), suggest=list(d.suggest),
                   prescribers=list(d.prescribers), sources=list(d.sources), pcne=d.pcne, evidence=list(d.evidence),
                   medications=[m.key for m in d.meds], actions=d.actions)  # type: ignore[arg-type]


def _summary(patient: Patient, labs: Mapping[str, LabValue], describe_lab: Callable[[LabValue], str], kb: Knowledge,
             lang: str, in_use: int) -> PatientSummary:
    active = [c for c in patient.conditions if c.active]
    names = sorted({kb.condition_name(cid, lang) for c in active for cid in c.concepts
                    if not any(cid in kb.conditions[o].broader for o in c.concepts)})
    unmapped = sorted({c.text for c in active if not c.concepts})
    return PatientSummary(id=patient.id, age=patient.age, sex=patient.sex, conditions=names,
                          unmapped_conditions=unmapped, labs={t: describe_lab(lab) for t, lab in sorted(labs.items())},
                          medicines_in_use=in_use)
