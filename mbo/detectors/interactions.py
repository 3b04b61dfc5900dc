"""Drug–drug interactions: each role of a rule filled by a different substance of the patient."""

from __future__ import annotations

from itertools import product

from .._context import ReviewContext
from .._knowledge import CompiledInteraction
from .._patient import Medication
from ._base import Draft, join_evidence, prescribers_of, strongest

__all__ = ["detect_interactions"]


def detect_interactions(ctx: ReviewContext) -> list[Draft]:
    """Every interaction rule whose roles the patient's medicines fill, in context."""
    return [d for ia in ctx.kb.interactions if (d := _evaluate(ctx, ia)) is not None]


def _span(m: Medication, code: str) -> frozenset[str]:
    """The substances a matched code stands for: a product's own code stands for all its components."""
    return frozenset(m.components) if code == m.atc and code not in m.components else frozenset({code})


def _evaluate(ctx: ReviewContext, ia: CompiledInteraction) -> Draft | None:
    roles = [[(m, _span(m, code)) for m in ctx.facts.meds_for(sel) for code in m.codes if sel.matches(code)]
             for sel in ia.drugs]
    if not all(roles):
        return None
    filled: dict[str, tuple[Medication, set[str]]] = {}
    for combo in product(*roles):
        spans = [span for _, span in combo]
        if sum(len(s) for s in spans) != len(frozenset().union(*spans)):
            continue  # two roles filled by one substance (or by a product and its own component)
        for role, (m, _) in enumerate(combo):
            filled.setdefault(m.key, (m, set()))[1].add(ia.rule.action[role])
    if not filled:
        return None
    evidence: list[str] = []
    if ia.when is not None:
        context = ia.when.evaluate(ctx.facts)
        if not context.ok:
            return None
        evidence.extend(context.evidence)
    if ia.unless is not None and ia.unless.evaluate(ctx.facts).ok:
        return None
    severity = ia.rule.severity
    if ia.downgrade is not None and (down := ia.downgrade.evaluate(ctx.facts)).ok:
        severity = "low"
        evidence.extend(down.evidence)
    meds = tuple(sorted((m for m, _ in filled.values()), key=lambda m: m.key))
    lang, rule = ctx.lang, ia.rule
    title = rule.title(lang) if rule.title else " + ".join(m.name for m in meds)
    rationale = f"{rule.mechanism(lang)} {rule.effect(lang)}"
    return Draft(kind="interaction", severity=severity, rule=rule.id, title=title, downgraded=severity != rule.severity,
                 rationale=join_evidence(ctx, rationale, [ctx.facts.describe_med(m) for m in meds] + evidence),
                 recommendation=rule.advice(lang), meds=meds, prescribers=prescribers_of(ctx, meds),
                 sources=tuple(rule.sources), pcne=rule.pcne, evidence=tuple(evidence),
                 actions={key: strongest(acts) for key, (_, acts) in filled.items()})
