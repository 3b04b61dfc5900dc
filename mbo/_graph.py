"""The drug–condition graph: knowledge relations, with the patient laid on top.

Knowledge graph (built once per knowledge base)::

    (sel, C08CA) --causes{rule}--> (effect, peripheral-oedema) <--treats{rule}-- (sel, C03C)
    (sel, C03C)  --indicated_for{rule}--> (cond, heart-failure)
    (sel, C10AA) --justified_by{rule}--> (cond, hypertension)     a risk factor, not what it treats
    (sel, A06A)  --indicated_with{rule}--> (sel, opioid)

Review graph (built per review): the knowledge relations of the selectors the patient's
medicines fall under, plus::

    (patient,) --takes--> (med, C08CA01) --is_a--> (sel, C08CA)
    (patient,) --has{onset}--> (cond, hypertension)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache

import networkx as nx

from ._knowledge import Knowledge
from ._patient import Medication, Patient

__all__ = ["knowledge_graph", "review_graph", "PATIENT"]

PATIENT = ("patient",)


@lru_cache(maxsize=8)
def knowledge_graph(kb: Knowledge) -> nx.MultiDiGraph:
    """The relations of the knowledge base between drug selectors, effects and conditions."""
    g = nx.MultiDiGraph()
    for c in kb.cascades:
        index, marker, effect = ("sel", c.index.key), ("sel", c.marker.key), ("effect", c.rule.effect)
        g.add_node(index, selector=c.index)
        g.add_node(marker, selector=c.marker)
        g.add_node(effect)
        g.add_edge(index, effect, key=c.rule.id, relation="causes", rule=c.rule.id)
        g.add_edge(marker, effect, key=c.rule.id, relation="treats", rule=c.rule.id)
    for ind in kb.indications:
        drug = ("sel", ind.drug.key)
        g.add_node(drug, selector=ind.drug)
        for cid in ind.rule.conditions:
            g.add_edge(drug, ("cond", cid), key=ind.rule.id, relation="indicated_for", rule=ind.rule.id)
        for cid in ind.rule.justified_by:
            g.add_edge(drug, ("cond", cid), key=ind.rule.id, relation="justified_by", rule=ind.rule.id)
        for co in ind.drugs:
            g.add_node(("sel", co.key), selector=co)
            g.add_edge(drug, ("sel", co.key), key=ind.rule.id, relation="indicated_with", rule=ind.rule.id)
    return g


@lru_cache(maxsize=4096)
def _selector_nodes(kb: Knowledge, codes: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The knowledge graph's selector nodes that a medicine with these ATC codes falls under."""
    kg = knowledge_graph(kb)
    return tuple(node for node, data in kg.nodes(data=True) if "selector" in data and data["selector"].matches_any(codes))


def review_graph(kb: Knowledge, patient: Patient, meds: tuple[Medication, ...],
                 concepts: Mapping[str, date | None]) -> nx.MultiDiGraph:
    """The patient's medicines and conditions on top of the knowledge relations that concern them."""
    kg = knowledge_graph(kb)
    g = nx.MultiDiGraph()
    g.add_node(PATIENT, age=patient.age, sex=patient.sex)
    matched: set[tuple[str, ...]] = set()
    for m in meds:
        med = ("med", m.key)
        g.add_node(med, medication=m)
        g.add_edge(PATIENT, med, relation="takes")
        for node in _selector_nodes(kb, m.codes):
            g.add_edge(med, node, relation="is_a")
            matched.add(node)
    for node in matched:
        g.add_node(node, **kg.nodes[node])
        for _, target, key, data in kg.out_edges(node, keys=True, data=True):
            g.add_edge(node, target, key=key, **data)
    for cid, onset in concepts.items():
        g.add_edge(PATIENT, ("cond", cid), relation="has", onset=onset)
    return g

