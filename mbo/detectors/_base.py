"""What detectors hand back: a finding before it is numbered and put in order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from .._context import ReviewContext
from .._i18n import word
from .._patient import Medication
from .._review import ACTION_RANK

__all__ = ["Draft", "prescribers_of", "responsible", "strongest", "join_evidence"]


@dataclass(frozen=True)
class Draft:
    """A finding as a detector states it."""

    kind: str
    severity: str
    rule: str
    title: str
    rationale: str
    recommendation: str
    meds: tuple[Medication, ...]
    prescribers: tuple[str, ...]
    sources: tuple[str, ...]
    pcne: str
    evidence: tuple[str, ...] = ()
    suggest: tuple[str, ...] = ()
    actions: dict[str, str] = field(default_factory=dict)
    also: tuple[str, ...] = ()
    downgraded: bool = False


def prescribers_of(ctx: ReviewContext, meds: Iterable[Medication]) -> tuple[str, ...]:
    """Who prescribed these medicines, the most recent starter first (the one who added the last)."""
    ordered = sorted(meds, key=lambda m: (m.start or date.min, m.key), reverse=True)
    labels = [m.prescriber.label if m.prescriber else word("prescriber_unknown", ctx.lang) for m in ordered]
    return tuple(dict.fromkeys(labels))


def responsible(ctx: ReviewContext, specialties: Iterable[str]) -> tuple[str, ...]:
    """The patient's prescribers of these specialties, else the specialties themselves (default: the GP)."""
    wanted = [s.lower() for s in specialties] or [word("gp", "nl")]
    known = {m.prescriber.specialty.lower(): m.prescriber.label for m in ctx.patient.medications
             if m.prescriber and m.prescriber.specialty}
    return tuple(dict.fromkeys(known.get(s, s) for s in wanted))


def strongest(actions: Iterable[str]) -> str:
    """The action that wins when one medicine is asked several things."""
    return min(actions, key=lambda a: ACTION_RANK[a])


def join_evidence(ctx: ReviewContext, rationale: str, evidence: Iterable[str]) -> str:
    """The rule's reason followed by what was found in this patient."""
    found = "; ".join(dict.fromkeys(evidence))
    return f"{rationale} {word('found', ctx.lang)}: {found}." if found else rationale
