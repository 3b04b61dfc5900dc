"""The knowledge base as small polars tables to join against: per medicine key its components,
burden scores and membership of every cascade and high-severity interaction selector.

The tables are built over the distinct medicine keys of a population (a few thousand at most), so
the per-row work stays in polars joins while matching reuses the compiled selectors of the engine.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from .._knowledge import Knowledge

__all__ = ["components_of", "knowledge_tables", "KnowledgeTables"]


def components_of(kb: Knowledge, key: str) -> tuple[str, ...]:
    """The ATC substances a medicine key stands for (a combination's components; nothing when unresolved)."""
    if key.startswith("?"):
        return ()
    if "+" in key:
        return tuple(sorted(key.split("+")))
    sub = kb.substances.get(key)
    return tuple(sub.components) if sub is not None and sub.components else (key,)


def _codes(kb: Knowledge, key: str) -> tuple[str, ...]:
    comps = components_of(kb, key)
    return comps + ((key,) if not key.startswith("?") and "+" not in key and key not in comps else ())


class KnowledgeTables:
    """Join tables for a set of medicine keys.

    - `meds`: key, components (list), name
    - `burden`: key, scale (rule id), score — one row per scored key and scale
    - `roles`: key, rule, role — "index"/"marker" for cascades, "0", "1", ... for interaction slots
    - `cascades`: rule, min_days, window_days; `interactions`: rule, slots
    """

    def __init__(self, kb: Knowledge, keys: Iterable[str], *, interaction_severity: str = "high") -> None:
        keys = sorted(set(keys))
        self.meds = pl.DataFrame({"key": keys, "components": [list(components_of(kb, k)) for k in keys],
                                  "name": [_name(kb, k) for k in keys]},
                                 schema={"key": pl.String, "components": pl.List(pl.String), "name": pl.String})
        b_key, b_scale, b_score = [], [], []
        for scale in kb.burden:
            for k in keys:
                comps = components_of(kb, k)
                score = sum(scale.scores.get(c, 0) for c in comps) or scale.scores.get(k, 0)
                if score:
                    b_key.append(k)
                    b_scale.append(scale.id)
                    b_score.append(score)
        self.burden = pl.DataFrame({"key": b_key, "scale": b_scale, "score": b_score},
                                   schema={"key": pl.String, "scale": pl.String, "score": pl.Int32})
        self.scales = [(scale.id, scale.threshold) for scale in kb.burden]
        r_key, r_rule, r_role = [], [], []
        codes = {k: _codes(kb, k) for k in keys}
        for c in kb.cascades:
            for k in keys:
                if c.index.matches_any(codes[k]):
                    r_key.append(k)
                    r_rule.append(c.rule.id)
                    r_role.append("index")
                if c.marker.matches_any(codes[k]):
                    r_key.append(k)
                    r_rule.append(c.rule.id)
                    r_role.append("marker")
        self.cascades = pl.DataFrame({"rule": [c.rule.id for c in kb.cascades],
                                      "min_days": [c.rule.min_days for c in kb.cascades],
                                      "window_days": [c.rule.window_days for c in kb.cascades]},
                                     schema={"rule": pl.String, "min_days": pl.Int32, "window_days": pl.Int32})
        high = [ia for ia in kb.interactions if ia.rule.severity == interaction_severity]
        for ia in high:
            for slot, sel in enumerate(ia.drugs):
                for k in keys:
                    if sel.matches_any(codes[k]):
                        r_key.append(k)
                        r_rule.append(ia.rule.id)
                        r_role.append(str(slot))
        self.interactions = {ia.rule.id: len(ia.drugs) for ia in high}
        self.roles = pl.DataFrame({"key": r_key, "rule": r_rule, "role": r_role},
                                  schema={"key": pl.String, "rule": pl.String, "role": pl.String})


def knowledge_tables(kb: Knowledge, keys: Iterable[str]) -> KnowledgeTables:
    """The join tables for these medicine keys (see KnowledgeTables)."""
    return KnowledgeTables(kb, keys)


def _name(kb: Knowledge, key: str) -> str:
    if key.startswith("?"):
        return key[1:]
    comps = components_of(kb, key)
    if key in kb.substances:
        return kb.substance_name(key)
    return " + ".join(kb.substance_name(c) for c in comps) if comps else key


