"""One reconciled medication list: every input medicine once, with the action its findings ask."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from ._i18n import word
from ._knowledge import Knowledge
from ._patient import IN_USE, Medication, Patient
from ._review import ACTION_RANK, Finding, MedicationEntry
from ._sources import presence, source_labels

__all__ = ["reconcile", "entry_id"]

_SOFT = {"stop": "check", "change": "check", "reduce": "check", "start": "check"}


def reconcile(patient: Patient, findings: Sequence[Finding], kb: Knowledge, lang: str) -> list[MedicationEntry]:
    """The list for all prescribers: unresolved first, then grouped by prescriber; proposals from omissions."""
    groups: dict[str, list[Medication]] = {}
    for m in patient.medications:
        groups.setdefault(m.key, []).append(m)
    labels = source_labels(patient)
    present = presence(patient) if len(labels) > 1 else {}
    entries = [_entry(key, meds, findings, lang).model_copy(update={"missing_from": [
        s for s in labels if key in present and s not in present[key].in_use]}) for key, meds in groups.items()]
    entries += [_proposal(f, kb, lang) for f in findings if f.kind == "omission" and f.suggest]
    return sorted(entries, key=lambda e: (not e.unresolved, e.status == "proposed", e.status not in IN_USE,
                                          (e.prescriber or "~").lower(), e.name.lower(), e.id))


def _entry(key: str, meds: list[Medication], findings: Sequence[Finding], lang: str) -> MedicationEntry:
    in_use = [m for m in meds if m.in_use]
    if in_use:
        rep = min(in_use, key=lambda m: (m.start or date.max, m.text))
    else:
        rep = max(meds, key=lambda m: (m.stop or m.start or date.min, m.text))
    mine = [f for f in findings if key in f.medications]
    if not rep.resolved:
        action = "check"
    elif not in_use:
        action = "stop"
    else:
        asked = [f.actions[key] if f.severity != "low" else _SOFT.get(f.actions[key], f.actions[key])
                 for f in mine if key in f.actions]
        action = min(asked, key=lambda a: ACTION_RANK[a]) if asked else "continue"
    return MedicationEntry(
        id=_slug(key), atc=rep.atc, name=rep.name if rep.resolved else f"{rep.text} — {word('unresolved', lang)}",
        text=rep.text, components=list(rep.components), unresolved=not rep.resolved, status=rep.status,
        prescriber=rep.prescriber.label if rep.prescriber else None, dose=rep.dose, start=rep.start, stop=rep.stop,
        stop_reason=rep.stop_reason, action=action,  # type: ignore[arg-type]
        findings=[f.id for f in mine], sources=sorted({m.source for m in meds if m.source and (m.in_use or not in_use)}),
    )


def _proposal(f: Finding, kb: Knowledge, lang: str) -> MedicationEntry:
    names = " / ".join(kb.selector_names(s, lang) for s in f.suggest)
    return MedicationEntry(id=_slug("start-" + "-".join(f.suggest)), atc=None, name=f"{names} ({', '.join(f.suggest)})",
                           text=f.title, status="proposed", prescriber=f.prescribers[0] if f.prescribers else None,
                           action="start", findings=[f.id])


def entry_id(key: str) -> str:
    """The id on the reconciled list of the distinct medicine with this key (see Medication.key)."""
    return _slug(key)


def _slug(key: str) -> str:
    return "M-" + re.sub(r"[^A-Za-z0-9+]+", "-", key.strip("?")).strip("-").lower()
