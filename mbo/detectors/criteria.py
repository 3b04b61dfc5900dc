"""Explicit criteria (STOPP/START): one detector for each kind of criterion."""

from __future__ import annotations

from .._context import ReviewContext
from .._knowledge import CompiledCriterion
from ._base import Draft, join_evidence, prescribers_of, responsible

__all__ = ["detect_contraindications", "detect_inappropriate", "detect_omissions", "detect_duplications",
           "detect_dose_limits"]


def _evaluate(ctx: ReviewContext, c: CompiledCriterion) -> Draft | None:
    out = c.when.evaluate(ctx.facts)
    if not out.ok or (c.unless is not None and c.unless.evaluate(ctx.facts).ok):
        return None
    severity = c.rule.severity
    evidence = list(out.evidence)
    if c.downgrade is not None:
        down = c.downgrade.evaluate(ctx.facts)
        if down.ok:
            severity = "low"
            evidence.extend(down.evidence)
    lang, rule = ctx.lang, c.rule
    meds = out.meds if rule.kind != "omission" else ()
    who = prescribers_of(ctx, meds) if meds and not rule.responsible else responsible(ctx, rule.responsible)
    return Draft(kind=rule.kind, severity=severity, rule=rule.id, title=rule.title(lang), downgraded=severity != rule.severity,
                 rationale=join_evidence(ctx, rule.rationale(lang), evidence), recommendation=rule.advice(lang),
                 meds=meds, prescribers=who, sources=tuple(rule.sources), pcne=rule.pcne, evidence=tuple(evidence),
                 suggest=tuple(rule.suggest or ()), actions={m.key: rule.action for m in meds})


def _detect(ctx: ReviewContext, kind: str) -> list[Draft]:
    return [d for c in ctx.kb.criteria if c.rule.kind == kind and (d := _evaluate(ctx, c)) is not None]


def detect_contraindications(ctx: ReviewContext) -> list[Draft]:
    """Drug–condition and drug–lab conflicts named by explicit criteria."""
    return _detect(ctx, "contraindication")


def detect_inappropriate(ctx: ReviewContext) -> list[Draft]:
    """Other potentially inappropriate prescribing (STOPP)."""
    return _detect(ctx, "inappropriate")


def detect_omissions(ctx: ReviewContext) -> list[Draft]:
    """Indicated treatment that is missing (START)."""
    return _detect(ctx, "omission")


def detect_dose_limits(ctx: ReviewContext) -> list[Draft]:
    """Daily doses above the maximum for older people, read from the dosing instructions."""
    return _detect(ctx, "dose")


def detect_duplications(ctx: ReviewContext) -> list[Draft]:
    """Two medicines of one class where one should do."""
    return _detect(ctx, "duplication")
