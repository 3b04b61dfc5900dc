"""Doses and choices that do not fit the kidney function (eGFR thresholds)."""

from __future__ import annotations

from .._context import ReviewContext
from .._dosage import daily_dose_mg
from .._i18n import fmt_number
from .._knowledge import CompiledRenal
from ._base import Draft, join_evidence, prescribers_of

__all__ = ["detect_renal"]

_TITLE = {"nl": "{drug} bij eGFR {egfr}: {what}", "en": "{drug} at eGFR {egfr}: {what}"}
_WHAT = {"stop": ("niet gebruiken", "avoid"), "change": ("ander middel kiezen", "choose another drug"),
         "reduce": ("dosis aanpassen", "adjust the dose"), "monitor": ("controleren", "monitor")}


def detect_renal(ctx: ReviewContext) -> list[Draft]:
    """Every medicine whose renal rule has a threshold above the patient's latest eGFR."""
    egfr = ctx.facts.labs.get("egfr")
    if egfr is None:
        return []
    return [d for rule in ctx.kb.renal for d in _evaluate(ctx, rule, egfr.value)]


def _evaluate(ctx: ReviewContext, r: CompiledRenal, egfr: float) -> list[Draft]:
    meds = list(ctx.facts.meds_for(r.drug))
    if not meds or (r.unless is not None and r.unless.evaluate(ctx.facts).ok):
        return []
    threshold = next((t for t in sorted(r.rule.thresholds, key=lambda t: t.below) if egfr < t.below), None)
    if threshold is None:
        return []
    lang, rule = ctx.lang, r.rule
    lab = ctx.facts.describe_lab(ctx.facts.labs["egfr"])
    drafts = []
    for m in meds:
        evidence = [ctx.facts.describe_med(m), f"{lab} (< {fmt_number(threshold.below, lang)})"]
        if threshold.max_daily_mg is not None:
            daily = daily_dose_mg(m.dose, m.text)
            if daily is not None and daily <= threshold.max_daily_mg:
                continue
            evidence.append(f"{m.dose or '?'} = {fmt_number(daily, lang)} mg/{'dag' if lang == 'nl' else 'day'} "
                            f"(max {fmt_number(threshold.max_daily_mg, lang)} mg)" if daily is not None else
                            ("dosering niet te beoordelen: controleer" if lang == "nl" else "dose not readable: check"))
        kind = "contraindication" if threshold.action in ("stop", "change") else "dose"
        title = rule.title(lang) if rule.title else _TITLE[lang if lang == "en" else "nl"].format(
            drug=m.name, egfr=fmt_number(ctx.facts.labs["egfr"].value, lang), what=_WHAT[threshold.action][lang == "en"])
        drafts.append(Draft(kind=kind, severity=threshold.severity, rule=rule.id, title=title,
                            rationale=join_evidence(ctx, rule.rationale(lang), evidence),
                            recommendation=threshold.advice(lang), meds=(m,), prescribers=prescribers_of(ctx, (m,)),
                            sources=tuple(rule.sources), pcne=rule.pcne or ("C1.1" if kind == "contraindication" else "C3.2"),
                            evidence=tuple(evidence), actions={m.key: threshold.action}))
    return drafts
