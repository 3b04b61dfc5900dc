"""Problems still open from the previous review (review memory): the check is generic, the rule gives its text.

A problem of the previous review that this review finds again (the same rule on the same medicines):
- accepted, and yet still there: a finding of its own (the agreement was not carried out);
- left undecided: no second finding; its own finding says since when it is open (`mark_repeated`).
A decision not to act (not accepted) or to act otherwise (adapted) closes it; so does a stop of one of its
medicines recorded in the memory, which the restart check reports when the medicine is back. The still-open
finding asks nothing of the medicines itself (no actions): the problem's own finding does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .._context import ReviewContext
from .._i18n import fmt_date
from .._kb_schema import ReconciliationRule
from .._memory import MEMORY_SOURCE, same_problem
from .._patient import PriorDecision, PriorFinding
from ._base import Draft, join_evidence

__all__ = ["detect_still_open", "mark_repeated"]

_WORDS = {"accepted": ("geaccepteerd", "accepted"), "adapted": ("aangepast uitgevoerd", "adapted"),
          "not-accepted": ("niet geaccepteerd", "not accepted")}


def _prior(ctx: ReviewContext, d: Draft, ignore: set[str]) -> PriorFinding | None:
    """This draft's problem in the previous review, unless one of its medicines was stopped since."""
    prev = ctx.patient.previous
    stopped = {m.key for m in ctx.patient.medications if m.source == MEMORY_SOURCE}
    if prev is None or any(m.key in stopped for m in d.meds):
        return None
    codes = sorted({c for m in d.meds for c in (*m.components, *([m.atc] if m.atc else []))})
    priors = sorted((p for p in prev.findings if same_problem(p, d.rule, d.also, codes, d.suggest, ignore)),
                    key=lambda p: p.rule in ignore)  # the problem's own finding before a still-open one
    return priors[0] if priors else None


def detect_still_open(ctx: ReviewContext, drafts: Sequence[Draft]) -> list[Draft]:
    """One finding per problem of the previous review that was accepted and that this review finds again."""
    if ctx.patient.previous is None:
        return []
    rules = [r for r in ctx.kb.reconciliation if r.check == "still-open"]
    ignore = {r.id for r in rules}
    out = []
    for rule in rules:
        for d in drafts:
            prior = _prior(ctx, d, ignore)
            if prior and prior.decision and prior.decision.decision == "accepted" and not prior.decision.stopped:
                out.append(_draft(ctx, rule, d, prior, ctx.patient.previous.review_date))
    return out


def mark_repeated(ctx: ReviewContext, drafts: Sequence[Draft]) -> list[Draft]:
    """The drafts, those found at the previous review without a decision saying since when they are open."""
    if ctx.patient.previous is None:
        return list(drafts)
    ignore = {r.id for r in ctx.kb.reconciliation if r.check == "still-open"}
    nl = ctx.lang == "nl"
    out = []
    for d in drafts:
        prior = _prior(ctx, d, ignore)
        if prior is not None and prior.decision is None:
            note = (f"al gemeld bij de beoordeling van {fmt_date(ctx.patient.previous.review_date, ctx.lang)} "
                    f"({prior.id}); nog geen besluit vastgelegd" if nl else
                    f"already raised at the review of {fmt_date(ctx.patient.previous.review_date, ctx.lang)} "
                    f"({prior.id}); no decision recorded yet")
            d = replace(d, rationale=f"{d.rationale} {note[0].upper()}{note[1:]}.", evidence=(*d.evidence, note))
        out.append(d)
    return out


def _draft(ctx: ReviewContext, rule: ReconciliationRule, d: Draft, prior: PriorFinding, when: object) -> Draft:
    lang = ctx.lang
    nl = lang == "nl"
    dec = prior.decision
    evidence = [f"{'gemeld bij de beoordeling van' if nl else 'raised at the review of'} {fmt_date(when, lang)} "  # type: ignore[arg-type]
                f"({prior.id})"]
    if dec is None:
        evidence.append("geen besluit vastgelegd" if nl else "no decision recorded")
    else:
        codes = ", ".join(c for c in (dec.acceptance, dec.intervention) if c)
        who = f" {'door' if nl else 'by'} {dec.by}" if dec.by else ""
        evidence.append(f"{'besluit op' if nl else 'decided on'} {fmt_date(dec.on, lang)}{who}: "
                        f"{_WORDS[dec.decision][0 if nl else 1]} ({codes}), \u201c{dec.reason}\u201d")
        evidence.append("het probleem bestaat nog" if nl else "the problem persists")
    lowered = d.severity == "low"
    return Draft(kind="discrepancy", severity="low" if lowered else rule.severity, rule=rule.id,
                 title=f"{rule.title(lang)}: {d.title}", rationale=join_evidence(ctx, rule.rationale(lang), evidence),
                 recommendation=rule.advice(lang), meds=d.meds, prescribers=d.prescribers, sources=tuple(rule.sources),
                 pcne=rule.pcne, evidence=tuple(evidence), suggest=d.suggest, also=(d.rule, *d.also),
                 downgraded=lowered and rule.severity != "low")
