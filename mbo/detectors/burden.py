"""Anticholinergic burden: the sum of the scale's scores over the medicines in use."""

from __future__ import annotations

from .._context import ReviewContext
from .._kb_schema import BurdenScale
from ._base import Draft, join_evidence, prescribers_of

__all__ = ["detect_burden"]


def detect_burden(ctx: ReviewContext) -> list[Draft]:
    """One finding per burden scale whose total reaches its threshold."""
    return [d for scale in ctx.kb.burden if (d := _evaluate(ctx, scale)) is not None]


def _evaluate(ctx: ReviewContext, scale: BurdenScale) -> Draft | None:
    scored = [(m, sum(scale.scores.get(c, 0) for c in m.components) or scale.scores.get(m.atc or "", 0)) for m in ctx.meds]
    scored = [(m, s) for m, s in scored if s > 0]
    total = sum(s for _, s in scored)
    if total < scale.threshold:
        return None
    lang = ctx.lang
    parts = " + ".join(f"{m.name} {s}" for m, s in sorted(scored, key=lambda x: (-x[1], x[0].key)))
    evidence = (f"{scale.scale}: {parts} = {total} (≥ {scale.threshold})",)
    meds = tuple(m for m, _ in sorted(scored, key=lambda x: x[0].key))
    return Draft(kind="burden", severity=scale.severity, rule=scale.id, title=scale.title(lang),
                 rationale=join_evidence(ctx, scale.rationale(lang), evidence), recommendation=scale.advice(lang),
                 meds=meds, prescribers=prescribers_of(ctx, meds), sources=tuple(scale.sources), pcne=scale.pcne,
                 evidence=evidence, actions={m.key: "check" for m in meds})
