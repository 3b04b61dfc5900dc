"""Which of a patient's lists carry which medicine: the ground for comparing sources."""

from __future__ import annotations

from dataclasses import dataclass

from ._memory import MEMORY_SOURCE
from ._patient import Medication, Patient

__all__ = ["Presence", "presence", "source_labels"]


@dataclass(frozen=True)
class Presence:
    """For one distinct medicine: the lists that have it in use, and those that list it as stopped."""

    in_use: frozenset[str]
    stopped: frozenset[str]


def source_labels(patient: Patient) -> list[str]:
    """The labels of the lists this patient's medicines come from, in order of appearance (the review memory is no list)."""
    return list(dict.fromkeys(m.source for m in patient.medications if m.source and m.source != MEMORY_SOURCE))


def presence(patient: Patient) -> dict[str, Presence]:
    """Per medicine key: where it is in use, counting a combination product and its components as the same."""
    by_source: dict[str, list[Medication]] = {}
    for m in patient.medications:
        if m.resolved and m.source != MEMORY_SOURCE:
            by_source.setdefault(m.source, []).append(m)

    def carries(meds: list[Medication], target: Medication) -> bool:
        wanted = set(target.components)
        return any(m.key == target.key for m in meds) or wanted <= {c for m in meds for c in m.components}

    found: dict[str, Presence] = {}
    for m in patient.medications:
        if not m.resolved or m.key in found:
            continue
        in_use = {src for src, meds in by_source.items() if carries([x for x in meds if x.in_use], m)}
        stopped = {src for src, meds in by_source.items()
                   if src not in in_use and carries([x for x in meds if not x.in_use], m)}
        found[m.key] = Presence(frozenset(in_use), frozenset(stopped))
    return found
