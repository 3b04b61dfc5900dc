"""Discrepancies in a patient's own records: a restart after a documented stop, and lists that disagree.

With several sources (GP, community pharmacy, hospital, the patient) a medicine may be on one list and
not another, or at another dose or strength; within one list a substance may stand twice under two names.
"""

from __future__ import annotations

from datetime import date

import re
from collections.abc import Callable

from .._context import ReviewContext
from .._dosage import daily_dose_mg
from .._i18n import fmt_date, fmt_number, word
from .._sources import presence, source_labels
from .._kb_schema import ReconciliationRule
from .._memory import MEMORY_SOURCE
from .._patient import Medication
from ._base import Draft, join_evidence, prescribers_of

__all__ = ["detect_discrepancies"]


def detect_discrepancies(ctx: ReviewContext) -> list[Draft]:
    """Every reconciliation rule's check over the patient's records."""
    checks = {"restarted-after-stop": _restarted_after_stop, "missing-from-source": _missing_from_source,
              "dose-differs": _dose_differs, "strength-differs": _strength_differs,
              "two-names-one-substance": _two_names}
    # "still-open" compares with the other findings, so the engine runs it after them (detectors/memory.py)
    return [d for rule in ctx.kb.reconciliation if rule.check in checks for d in checks[rule.check](ctx, rule)]


def _in_use_by_key(ctx: ReviewContext) -> dict[str, list[Medication]]:
    by_key: dict[str, list[Medication]] = {}
    for m in ctx.patient.medications:
        if m.resolved and m.in_use:
            by_key.setdefault(m.key, []).append(m)
    return dict(sorted(by_key.items()))


def _finding(ctx: ReviewContext, rule: ReconciliationRule, meds: list[Medication], evidence: list[str]) -> Draft:
    first = min(meds, key=lambda m: (m.source, m.text))
    lang = ctx.lang
    return Draft(kind="discrepancy", severity=rule.severity, rule=rule.id, title=f"{rule.title(lang)}: {first.name}",
                 rationale=join_evidence(ctx, rule.rationale(lang), evidence), recommendation=rule.advice(lang),
                 meds=(first,), prescribers=prescribers_of(ctx, meds), sources=tuple(rule.sources), pcne=rule.pcne,
                 evidence=tuple(evidence), actions={first.key: rule.action})


def _missing_from_source(ctx: ReviewContext, rule: ReconciliationRule) -> list[Draft]:
    labels = source_labels(ctx.patient)
    if len(labels) < 2:
        return []
    nl = ctx.lang == "nl"
    present = presence(ctx.patient)
    drafts = []
    for key, meds in _in_use_by_key(ctx).items():
        where = present[key]
        absent = [s for s in labels if s not in where.in_use]
        if not absent:
            continue
        evidence = [("in gebruik volgens: " if nl else "in use according to: ") + ", ".join(sorted(where.in_use)),
                    ("ontbreekt bij: " if nl else "missing from: ") + ", ".join(s for s in absent if s not in where.stopped)]
        if where.stopped:
            evidence.append(("gestopt volgens: " if nl else "stopped according to: ") + ", ".join(sorted(where.stopped)))
        drafts.append(_finding(ctx, rule, meds, [e for e in evidence if not e.endswith(": ")]))
    return drafts


def _per_source(meds: list[Medication], value: Callable[[Medication], object]) -> dict[str, object]:
    """One readable value per list (the first that gives one), lists without one left out."""
    out: dict[str, object] = {}
    for m in sorted(meds, key=lambda m: (m.source, m.text)):
        v = value(m)
        if v is not None and m.source not in out:
            out[m.source] = v
    return out


def _dose_differs(ctx: ReviewContext, rule: ReconciliationRule) -> list[Draft]:
    per_day = "mg/dag" if ctx.lang == "nl" else "mg/day"
    drafts = []
    for meds in _in_use_by_key(ctx).values():
        daily = _per_source(meds, lambda m: daily_dose_mg(m.dose, m.text))
        if len(daily) < 2 or len(set(daily.values())) < 2:
            continue
        doses = {m.source: m.dose for m in meds}
        evidence = [f"{src}: {doses[src]} = {fmt_number(mg, ctx.lang)} {per_day}"  # type: ignore[arg-type]
                    for src, mg in daily.items()]
        drafts.append(_finding(ctx, rule, meds, evidence))
    return drafts


def _strength(m: Medication) -> float | None:
    found = {float(v.replace(",", ".")) * (1000 if u.lower() == "g" else 1)
             for v, u in re.findall(r"(?<![/\d])(\d+(?:[.,]\d+)?)\s*(mg|g)\b(?!\s*/)", m.text, re.I)}
    return found.pop() if len(found) == 1 else None


def _strength_differs(ctx: ReviewContext, rule: ReconciliationRule) -> list[Draft]:
    drafts = []
    for meds in _in_use_by_key(ctx).values():
        strengths = _per_source(meds, _strength)
        if len(strengths) < 2 or len(set(strengths.values())) < 2:
            continue
        texts = {m.source: m.text for m in meds}
        drafts.append(_finding(ctx, rule, meds, [f"{src}: {texts[src]}" for src in strengths]))
    return drafts


def _two_names(ctx: ReviewContext, rule: ReconciliationRule) -> list[Draft]:
    drafts = []
    nl = ctx.lang == "nl"
    for meds in _in_use_by_key(ctx).values():
        by_source: dict[str, set[str]] = {}
        for m in meds:
            by_source.setdefault(m.source, set()).add(" ".join(m.text.lower().split()))
        for src, names in sorted(by_source.items()):
            if len(names) > 1:
                listed = (" en " if nl else " and ").join(f"\u201c{n}\u201d" for n in sorted(names))
                evidence = [f"{src}: {listed}"]
                drafts.append(_finding(ctx, rule, [m for m in meds if m.source == src], evidence))
    return drafts


def _restarted_after_stop(ctx: ReviewContext, rule: ReconciliationRule) -> list[Draft]:
    by_key: dict[str, list[Medication]] = {}
    for m in ctx.patient.medications:
        if m.resolved:
            by_key.setdefault(m.key, []).append(m)
    drafts = []
    for key, meds in sorted(by_key.items()):
        stops = [m for m in meds if m.status == "stopped" and m.stop_reason]
        orders = [m for m in meds if m.in_use]
        if not stops or not orders:
            continue
        stop = max(stops, key=lambda m: (m.stop or m.start or date.min, m.text))
        stopped_on = stop.stop or stop.start
        restart = max(orders, key=lambda m: (m.start or date.min, m.text))
        memory = stop.source == MEMORY_SOURCE  # a stop decided at an earlier review: every list now comes after it
        still_listed = bool(restart.start and stopped_on and restart.start < stopped_on)
        if still_listed and not memory:
            continue  # the stop came after this order: the order is what was stopped, not a restart
        # with a stop from the memory, an order older than the stop (or undated) means the stop never reached this list
        drafts.append(_draft(ctx, rule, stop, restart, known_order=memory or bool(restart.start and stopped_on),
                             still_listed=still_listed or (memory and restart.start is None)))
    return drafts


def _draft(ctx: ReviewContext, rule: ReconciliationRule, stop: Medication, restart: Medication,
           known_order: bool, still_listed: bool = False) -> Draft:
    lang = ctx.lang
    nl = lang == "nl"
    stopper = stop.prescriber.label if stop.prescriber else ("onbekend" if nl else "unknown")
    restarter = restart.prescriber.label if restart.prescriber else ("onbekend" if nl else "unknown")
    evidence = [
        (f"{stop.name} gestopt op {fmt_date(stop.stop or stop.start, lang)} door {stopper}, reden: \u201c{stop.stop_reason}\u201d"
         if nl else f"{stop.name} stopped on {fmt_date(stop.stop or stop.start, lang)} by {stopper}, reason: "
         f"\u201c{stop.stop_reason}\u201d"),
        (f"opnieuw voorgeschreven op {fmt_date(restart.start, lang)} door {restarter}" if nl
         else f"prescribed again on {fmt_date(restart.start, lang)} by {restarter}"),
    ]
    if still_listed:
        since = f" {word('since', lang)} {fmt_date(restart.start, lang)}" if restart.start else ""
        evidence[1] = (f"staat nog als actief voorschrift van {restarter}{since}: de stop is niet op deze lijst doorgevoerd"
                       if nl else f"still an active order by {restarter}{since}: the stop did not reach this list")
    if stop.source == MEMORY_SOURCE:
        evidence.append("stop vastgelegd bij een eerdere medicatiebeoordeling (reviewgeheugen)" if nl
                        else "stop recorded at an earlier medication review (review memory)")
    if not known_order:
        evidence.append("volgorde niet vast te stellen: datum ontbreekt" if nl else "order unknown: a date is missing")
    return Draft(kind="discrepancy", severity=rule.severity if known_order else "low", rule=rule.id,
                 title=f"{rule.title(lang)}: {restart.name}", rationale=join_evidence(ctx, rule.rationale(lang), evidence),
                 recommendation=rule.advice(lang), meds=(restart,),
                 prescribers=tuple(dict.fromkeys(prescribers_of(ctx, (restart,)) + prescribers_of(ctx, (stop,)))),
                 sources=tuple(rule.sources), pcne=rule.pcne, evidence=tuple(evidence),
                 actions={restart.key: rule.action}, downgraded=not known_order)
