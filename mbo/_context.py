"""The facts of one review that every detector reads: built once, then only looked at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import networkx as nx

from ._expr import Facts
from ._i18n import fmt_date, fmt_number, word
from ._knowledge import Knowledge
from ._patient import LabValue, Medication, Patient

__all__ = ["ReviewContext", "make_context"]


@dataclass(frozen=True)
class ReviewContext:
    """Patient, knowledge, language, the facts for expressions and the review graph."""

    patient: Patient
    kb: Knowledge
    lang: str
    facts: Facts
    graph: nx.DiGraph

    @property
    def meds(self) -> tuple[Medication, ...]:
        """Resolved medicines in use at the review date, one per distinct medicine."""
        return self.facts.meds


def make_context(patient: Patient, kb: Knowledge, lang: str) -> ReviewContext:
    """Collect what the detectors need, and build the review graph."""
    from ._graph import review_graph

    meds = _in_use(patient)
    onsets: dict[str, list[date]] = {}
    for cond in patient.conditions:
        if cond.active:
            for concept in cond.concepts:
                onsets.setdefault(concept, []).extend([cond.onset] if cond.onset else [])
    concepts = {concept: min(dates, default=None) for concept, dates in onsets.items()}
    latest = {concept: max(dates) for concept, dates in onsets.items() if dates}
    given: dict[str, list[date]] = {}
    for v in patient.vaccinations:
        for vaccine in v.vaccines:
            given.setdefault(vaccine, []).extend([v.date] if v.date else [])
    vaccinated = {vaccine: max(dates, default=None) for vaccine, dates in given.items()}
    labs = {test: lab for test in {lab.test for lab in patient.labs} if (lab := patient.latest_lab(test)) is not None}

    def describe_med(m: Medication) -> str:
        who = (m.prescriber.specialty or m.prescriber.name) if m.prescriber else None
        bits = [b for b in (who, f"{word('since', lang)} {fmt_date(m.start, lang)}" if m.start else None) if b]
        return f"{m.name} ({', '.join(bits)})" if bits else m.name

    def describe_lab(lab: LabValue) -> str:
        test = kb.labs[lab.test]
        name = test.en if lang == "en" else test.nl
        unit = (lab.unit or test.unit).replace("1.73m2", "1,73 m²" if lang == "nl" else "1.73 m²").replace("umol", "µmol")
        text = f"{name} {fmt_number(lab.value, lang)} {unit}"
        if lab.date:
            text += f" {word('on', lang)} {fmt_date(lab.date, lang)}"
        if lab.derived_from and lab.test == "egfr":
            text += f" ({word('computed', lang)}: {lab.derived_from})"
        return text

    by_selector: dict[str, list[Medication]] = {}
    for m in meds:
        for key in kb.selector_keys_for(m.codes):
            by_selector.setdefault(key, []).append(m)
    facts = Facts(age=patient.age, sex=patient.sex, review_date=patient.review_date, meds=meds, concepts=concepts,
                  labs=labs, lang=lang, describe_med=describe_med, describe_lab=describe_lab,
                  condition_name=lambda cid: kb.condition_name(cid, lang), broader=kb.broader_closure,
                  latest_onsets=latest, vaccinations=vaccinated, vaccination_record=patient.vaccination_record,
                  vaccine_name=lambda vid: kb.vaccines[vid].en if lang == "en" else kb.vaccines[vid].nl,
                  by_selector={key: tuple(found) for key, found in by_selector.items()},
                  indexed=kb.compiled_selector_keys())
    return ReviewContext(patient=patient, kb=kb, lang=lang, facts=facts, graph=review_graph(kb, patient, meds, concepts))


def _in_use(patient: Patient) -> tuple[Medication, ...]:
    """One medicine per distinct key among resolved orders in use; the earliest start is kept."""
    chosen: dict[str, Medication] = {}
    for m in patient.medications:
        if not (m.in_use and m.resolved) or (m.stop is not None and m.stop < patient.review_date):
            continue
        prior = chosen.get(m.key)
        if prior is None or (m.start or date.max, m.text) < (prior.start or date.max, prior.text):
            chosen[m.key] = m
    return tuple(sorted(chosen.values(), key=lambda m: m.key))
