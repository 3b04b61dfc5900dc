"""Prescribing cascades, found as paths in the review graph.

    (med index) -is_a-> (sel) -causes-> (effect) <-treats- (sel) <-is_a- (med marker)

The marker must have started after the index drug, within the rule's window, and must not be
explained by an indication of its own that was known before the index drug started. A diagnosis
that is the effect itself (effects.yaml `conditions`) silences the cascade when it predates the
index drug, and supports it when it was made afterwards.
"""

from __future__ import annotations

from datetime import date

from .._context import ReviewContext
from .._graph import PATIENT
from .._i18n import fmt_date, word
from .._knowledge import CompiledCascade
from .._patient import Medication
from ._base import Draft, join_evidence, prescribers_of

__all__ = ["detect_cascades"]


def detect_cascades(ctx: ReviewContext) -> list[Draft]:
    """Every index → effect → marker path in the patient's graph that fits in time."""
    g = ctx.graph
    rules = {c.rule.id: c for c in ctx.kb.cascades}
    drafts = []
    for node in sorted(n for n in g.nodes if n[0] == "effect"):
        by_rule: dict[str, dict[str, set[Medication]]] = {}
        for sel, _, data in g.in_edges(node, data=True):
            role = {"causes": "index", "treats": "marker"}[data["relation"]]
            meds = {g.nodes[med]["medication"] for med, _ in g.in_edges(sel) if med[0] == "med"}
            by_rule.setdefault(data["rule"], {}).setdefault(role, set()).update(meds)
        for rule_id, roles in sorted(by_rule.items()):
            for index in sorted(roles.get("index", ()), key=lambda m: m.key):
                for marker in sorted(roles.get("marker", ()), key=lambda m: m.key):
                    draft = _pair(ctx, rules[rule_id], index, marker)
                    if draft is not None:
                        drafts.append(draft)
    return drafts


def _pair(ctx: ReviewContext, c: CompiledCascade, index: Medication, marker: Medication) -> Draft | None:
    if index.key == marker.key or set(index.components) & set(marker.components):
        return None
    lang, rule = ctx.lang, c.rule
    severity = rule.severity
    evidence: list[str] = []
    if index.start and marker.start:
        gap = (marker.start - index.start).days
        if not rule.min_days <= gap <= rule.window_days:
            return None
        evidence.append(f"{marker.name} {gap} {word('days_later', lang)} ({fmt_date(marker.start, lang)})")
    else:
        severity = "low"
        evidence.append("startdata onbekend: volgorde niet vast te stellen" if lang == "nl"
                        else "start dates unknown: the order cannot be established")
    for cid in ctx.kb.effects[rule.effect].conditions:
        if ctx.graph.has_edge(PATIENT, ("cond", cid)):
            diagnosed: date | None = ctx.facts.concepts[cid]
            name = ctx.kb.condition_name(cid, lang)
            if diagnosed is None or index.start is None:
                severity = "low"
                evidence.append(f"{name}: {'datum diagnose onbekend' if lang == 'nl' else 'date of diagnosis unknown'}")
            elif diagnosed <= index.start:
                return None  # the problem was there before the index drug: the marker treats that
            else:
                evidence.append(f"{name} {'vastgesteld op' if lang == 'nl' else 'diagnosed on'} {fmt_date(diagnosed, lang)}, "
                                f"{'na de start van' if lang == 'nl' else 'after starting'} {index.name}")
    for cid in rule.explained_by:
        if ctx.graph.has_edge(PATIENT, ("cond", cid)):
            onset: date | None = ctx.facts.concepts[cid]
            if onset is None or index.start is None or onset <= index.start:
                return None
            severity = "low"
            evidence.append(f"{ctx.kb.condition_name(cid, lang)} {word('since', lang)} {fmt_date(onset, lang)}")
    if c.unless is not None and c.unless.evaluate(ctx.facts).ok:
        return None
    effect = ctx.kb.effects[rule.effect]
    path = f"{ctx.facts.describe_med(index)} → {effect.en if lang == 'en' else effect.nl} → {ctx.facts.describe_med(marker)}"
    index_action, marker_action = (rule.action + ["check", "check"])[:2]
    return Draft(kind="cascade", severity=severity, rule=rule.id, title=rule.title(lang), downgraded=severity != rule.severity,
                 rationale=join_evidence(ctx, rule.rationale(lang), [path, *evidence]),
                 recommendation=rule.advice(lang), meds=(index, marker),
                 prescribers=prescribers_of(ctx, (index, marker))[::-1], sources=tuple(rule.sources), pcne=rule.pcne,
                 evidence=(path, *evidence), actions={index.key: index_action, marker.key: marker_action})
