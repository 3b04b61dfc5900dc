"""What the reports need besides findings and the list, all known to the engine already.

- the patient's active conditions, each with its lay name and the medicines that the indication knowledge
  says treat it (and on each medicine, the conditions it treats here, those that only justify it with what it
  is for then, and the medicines it goes with, e.g. a laxative with an opioid);
- everyone the review names, with the name, specialty and contact the input gives;
- if-then instructions for follow-up: the next renal threshold of each medicine (knowledge/renal), what
  to do when a cascade's effect returns after its marker drug is stopped, and when the complaints
  come back after a medicine is stopped or lowered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ._context import ReviewContext
from ._graph import PATIENT
from ._i18n import fmt_number, word
from ._reconcile import entry_id
from ._review import ConditionEntry, Finding, FollowUp, MedicationEntry, PrescriberEntry
from ._text import fold

__all__ = ["report_facts"]


def report_facts(ctx: ReviewContext, findings: Sequence[Finding], medications: list[MedicationEntry]) -> dict[str, Any]:
    """The reconciled list with its links, and the conditions, prescribers and follow-up of the review."""
    conditions, medications = _link(ctx, medications)
    return {"medications": medications, "conditions": conditions, "prescribers": _prescribers(ctx, findings, medications),
            "follow_up": _follow_up(ctx, findings, medications)}


# -- conditions and the medicines that treat them -------------------------------------------------------------


def _link(ctx: ReviewContext, medications: list[MedicationEntry]) -> tuple[list[ConditionEntry], list[MedicationEntry]]:
    kb, lang, g = ctx.kb, ctx.lang, ctx.graph
    found: dict[str, dict[str, Any]] = {}
    for c in ctx.patient.conditions:
        if not c.active:
            continue
        narrow = [cid for cid in sorted(c.concepts) if not any(cid in kb.conditions[o].broader for o in c.concepts)]
        for key in narrow or ["?" + fold(c.text)]:
            seen = found.get(key)
            if seen is None:
                found[key] = {"concept": None if key.startswith("?") else key, "text": c.text, "code": c.code,
                              "system": c.system, "onset": c.onset}
            elif c.onset and (seen["onset"] is None or c.onset < seen["onset"]):
                seen["onset"] = c.onset
    entries: list[ConditionEntry] = []
    closure: dict[str, frozenset[str]] = {}
    for key, data in found.items():
        cid = data["concept"]
        name = kb.condition_name(cid, lang) if cid else data["text"]
        lay = kb.conditions[cid].lay if cid else None
        entry = ConditionEntry(id=_condition_id(key, {e.id for e in entries}), name=name,
                               lay_name=lay(lang) if lay else None, **data)
        entries.append(entry)
        closure[entry.id] = kb.broader_closure[cid] if cid else frozenset()
    links: dict[tuple[str, str], set[str]] = {}  # (entry id, relation) -> condition or medicine entry ids
    purposes: dict[str, set[str]] = {}  # entry id -> ids of the rules whose justifying conditions are present
    for m in ctx.meds:
        node, eid = ("med", m.key), entry_id(m.key)
        if node not in g:
            continue
        for sel in g.successors(node):
            for _, target, data in g.out_edges(sel, data=True):
                relation = data["relation"]
                if relation in ("indicated_for", "justified_by") and g.has_edge(PATIENT, target):
                    links.setdefault((eid, relation), set()).update(e.id for e in entries if target[1] in closure[e.id])
                    if relation == "justified_by":
                        purposes.setdefault(eid, set()).add(data["rule"])
                elif relation == "indicated_with":
                    links.setdefault((eid, relation), set()).update(
                        entry_id(other[1]) for other, _ in g.in_edges(target) if other[0] == "med" and other != node)
    purpose_of = {ind.rule.id: ind.rule.purpose for ind in kb.indications}
    linked = []
    for e in medications:
        treats = links.get((e.id, "indicated_for"), set())
        justifies = links.get((e.id, "justified_by"), set()) - treats
        purpose = purpose_of[min(purposes[e.id])] if justifies else None
        linked.append(e.model_copy(update={"conditions": sorted(treats), "justified_by": sorted(justifies),
                                           "purpose": purpose(lang) if purpose else None,
                                           "indicated_with": sorted(links.get((e.id, "indicated_with"), set()))}))
    by_condition: dict[str, list[str]] = {}
    for e in linked:
        for cid in e.conditions:
            by_condition.setdefault(cid, []).append(e.id)
    entries = [e.model_copy(update={"medications": by_condition.get(e.id, [])}) for e in entries]
    return sorted(entries, key=lambda e: (e.name.lower(), e.id)), linked


def _condition_id(key: str, taken: set[str]) -> str:
    base = "C-" + (re.sub(r"[^a-z0-9]+", "-", key.strip("?").lower()).strip("-") or "x")
    cid, n = base, 2
    while cid in taken:
        cid, n = f"{base}-{n}", n + 1
    return cid


# -- who is named -----------------------------------------------------------------------------------------------


def _prescribers(ctx: ReviewContext, findings: Sequence[Finding], medications: list[MedicationEntry]) -> list[PrescriberEntry]:
    known = {m.prescriber.label: m.prescriber for m in ctx.patient.medications if m.prescriber}
    labels = {m.prescriber for m in medications if m.prescriber} | {p for f in findings for p in f.prescribers}
    out = []
    for label in sorted(labels, key=str.lower):
        p = known.get(label)
        out.append(PrescriberEntry(label=label, name=p.name if p else None, specialty=p.specialty if p else None,
                                   contact=p.contact if p else None))
    return out


# -- if this, then that -----------------------------------------------------------------------------------------

_RENAL = ("Als de eGFR daalt onder {below} mL/min/1,73 m² (nu {now})", "If the eGFR falls below {below} mL/min/1.73 m² (now {now})")
_RENAL_UNKNOWN = ("De eGFR is niet bekend", "The eGFR is not known")
_RENAL_UNKNOWN_THEN = ("bepaal de nierfunctie: {drug} vraagt aanpassing vanaf een eGFR onder {below} mL/min/1,73 m²",
                       "measure the kidney function: {drug} needs adjusting below an eGFR of {below} mL/min/1.73 m²")
_CASCADE = ("Als {effect} terugkomt of toeneemt na het afbouwen van {marker}",
            "If {effect} returns or worsens after {marker} is tapered off")
_CASCADE_THEN = ("behandel de oorzaak: beoordeel dosis of keuze van {index} ({who}) in plaats van {marker} te herstarten",
                 "treat the cause: review the dose or choice of {index} ({who}) rather than restart {marker}")
_STOPPED = {"stop": ("Als na het stoppen van {drug} de oorspronkelige klachten terugkomen",
                     "If the original complaints return after {drug} is stopped"),
            "reduce": ("Als na het verlagen van de dosis van {drug} het effect onvoldoende is",
                       "If the effect falls short after the dose of {drug} is lowered")}
_STOPPED_THEN = {"stop": ("{drug} niet zonder nieuwe afweging herstarten; aanspreekpunt: {who}",
                          "do not restart {drug} without weighing it again; contact: {who}"),
                 "reduce": ("kies een alternatief in plaats van de dosis weer te verhogen; aanspreekpunt: {who}",
                            "choose an alternative rather than raise the dose again; contact: {who}")}


def _follow_up(ctx: ReviewContext, findings: Sequence[Finding], medications: list[MedicationEntry]) -> list[FollowUp]:
    en = ctx.lang == "en"
    by_id = {m.id: m for m in medications}
    out: list[FollowUp] = []
    cascades = [f for f in findings if f.kind == "cascade"]
    for f in cascades + [f for f in findings if f.kind != "cascade"]:  # a cascade's advice covers its marker drug
        names = [by_id[entry_id(k)].name for k in f.medications if entry_id(k) in by_id]
        if f.kind == "cascade" and len(f.medications) == 2 and len(names) == 2:
            rule = ctx.kb.rules.get(f.rule)
            effect = ctx.kb.effects.get(getattr(rule, "effect", ""))
            if effect is not None and f.actions.get(f.medications[1]) == "stop":
                index_who = by_id[entry_id(f.medications[0])].prescriber or (f.prescribers[0] if f.prescribers else "?")
                out.append(FollowUp(when=_CASCADE[en].format(effect=effect.en if en else effect.nl, marker=names[1]),
                                    then=_CASCADE_THEN[en].format(index=names[0], marker=names[1], who=index_who),
                                    who=index_who, medication=entry_id(f.medications[1]), finding=f.id, rule=f.rule))
                continue
        for key in f.medications:
            action, entry = f.actions.get(key), by_id.get(entry_id(key))
            if any(item.medication == entry_id(key) for item in out):
                continue
            if action in _STOPPED and entry is not None and entry.action == action and f.severity != "low":
                who = entry.prescriber or (f.prescribers[0] if f.prescribers else word("gp", ctx.lang))
                out.append(FollowUp(when=_STOPPED[action][en].format(drug=entry.name), then=_STOPPED_THEN[action][en].format(drug=entry.name, who=who),
                                    who=who, medication=entry.id, finding=f.id, rule=f.rule))
    out += _renal_follow_up(ctx, by_id)
    unique: dict[tuple[str, str], FollowUp] = {}
    for item in out:
        unique.setdefault((item.when, item.then), item)
    return list(unique.values())


def _renal_follow_up(ctx: ReviewContext, by_id: dict[str, MedicationEntry]) -> list[FollowUp]:
    en, lang = ctx.lang == "en", ctx.lang
    egfr = ctx.facts.labs.get("egfr")
    out = []
    for r in ctx.kb.renal:
        meds = [m for m in ctx.meds if r.drug.matches_any(m.codes)]
        entries = [by_id[entry_id(m.key)] for m in meds if entry_id(m.key) in by_id]
        entries = [e for e in entries if e.action != "stop"]
        if not entries or (r.unless is not None and r.unless.evaluate(ctx.facts).ok):
            continue
        thresholds = sorted(r.rule.thresholds, key=lambda t: t.below, reverse=True)
        for e in entries:
            who = e.prescriber or word("gp", lang)
            if egfr is None:
                out.append(FollowUp(when=_RENAL_UNKNOWN[en], then=_RENAL_UNKNOWN_THEN[en].format(
                    drug=e.name, below=fmt_number(thresholds[0].below, lang)), who=who, medication=e.id, rule=r.rule.id))
                continue
            upcoming = next((t for t in thresholds if t.below <= egfr.value), None)
            if upcoming is not None:
                out.append(FollowUp(when=_RENAL[en].format(below=fmt_number(upcoming.below, lang),
                                                           now=fmt_number(egfr.value, lang)),
                                    then=f"{e.name}: {upcoming.advice(lang)}", who=who, medication=e.id, rule=r.rule.id))
    return out
