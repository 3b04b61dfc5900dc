"""Medicines without an indication: no condition (treated or justifying) or co-medication in the graph that explains them."""

from __future__ import annotations

from .._context import ReviewContext
from .._graph import PATIENT
from ._base import Draft, prescribers_of

__all__ = ["detect_no_indication"]

_TITLE = ("Geen indicatie gevonden voor {drug}", "No indication found for {drug}")
_WHY = ("Bij de diagnosen en de overige medicatie van deze patiënt staat geen reden voor {drug}; bekende indicaties: {known}.",
        "None of this patient's diagnoses or other medicines explains {drug}; known indications: {known}.")
_ADVICE = ("Ga na waarom {drug} gebruikt wordt; leg de indicatie vast of overweeg te stoppen.",
           "Find out why {drug} is used; record the indication or consider stopping it.")


def detect_no_indication(ctx: ReviewContext) -> list[Draft]:
    """Medicines whose known indications are all absent in this patient."""
    g, kb, lang = ctx.graph, ctx.kb, ctx.lang
    en = lang == "en"
    drafts = []
    for med_node in sorted(n for n in g.successors(PATIENT) if n[0] == "med"):
        med = g.nodes[med_node]["medication"]
        rules: set[str] = set()
        known: set[str] = set()
        explained = False
        for sel in g.successors(med_node):
            for _, target, data in g.out_edges(sel, data=True):
                if data["relation"] in ("indicated_for", "justified_by"):
                    rules.add(data["rule"])
                    known.add(kb.condition_name(target[1], lang))
                    explained |= g.has_edge(PATIENT, target)
                elif data["relation"] == "indicated_with":
                    rules.add(data["rule"])
                    known.add(kb.selector_names(target[1], lang))
                    explained |= any(other != med_node and other[0] == "med" for other, _ in g.in_edges(target))
        if not rules or explained:
            continue
        rule = kb.rules[min(rules)]
        names = ", ".join(sorted(known))
        drafts.append(Draft(kind="no-indication", severity=getattr(rule, "severity", "low"), rule=rule.id,
                            title=_TITLE[en].format(drug=med.name), rationale=_WHY[en].format(drug=med.name, known=names),
                            recommendation=_ADVICE[en].format(drug=med.name), meds=(med,),
                            prescribers=prescribers_of(ctx, (med,)), sources=tuple(rule.sources), pcne="C1.2",
                            evidence=(ctx.facts.describe_med(med),), actions={med.key: "check"}))
    return drafts
