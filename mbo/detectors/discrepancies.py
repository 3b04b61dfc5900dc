"""Discrepancies in a patient's own records: a medicine restarted after a documented stop."""

from __future__ import annotations

from datetime import date

from .._context import ReviewContext
from .._i18n import fmt_date
from .._kb_schema import ReconciliationRule
from .._patient import Medication
from ._base import Draft, join_evidence, prescribers_of

__all__ = ["detect_discrepancies"]


def detect_discrepancies(ctx: ReviewContext) -> list[Draft]:
    """Every reconciliation rule's check over the patient's records."""
    return [d for rule in ctx.kb.reconciliation if rule.check == "restarted-after-stop"
            for d in _restarted_after_stop(ctx, rule)]


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
        if restart.start and stopped_on and restart.start < stopped_on:
            continue  # the stop came after this order: the order is what was stopped, not a restart
        drafts.append(_draft(ctx, rule, stop, restart, known_order=bool(restart.start and stopped_on)))
    return drafts


def _draft(ctx: ReviewContext, rule: ReconciliationRule, stop: Medication, restart: Medication,
           known_order: bool) -> Draft:
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
    if not known_order:
        evidence.append("volgorde niet vast te stellen: datum ontbreekt" if nl else "order unknown: a date is missing")
    return Draft(kind="discrepancy", severity=rule.severity if known_order else "low", rule=rule.id,
                 title=f"{rule.title(lang)}: {restart.name}", rationale=join_evidence(ctx, rule.rationale(lang), evidence),
                 recommendation=rule.advice(lang), meds=(restart,),
                 prescribers=tuple(dict.fromkeys(prescribers_of(ctx, (restart,)) + prescribers_of(ctx, (stop,)))),
                 sources=tuple(rule.sources), pcne=rule.pcne, evidence=tuple(evidence),
                 actions={restart.key: rule.action}, downgraded=not known_order)
