"""What the review memory adds to a review: earlier stops, the previous review, and what is new since.

The store (`_store.py`) keeps the records; this module turns them into parts of the Patient, so that the
ordinary detectors see them (a stop recorded at an earlier review is a stopped medicine like one in a
FHIR bundle), and compares a new review with the previous one. Nothing here touches the disk.

PCNE V9.1 codes: acceptance A1.1–A1.4 (accepted), A2.1–A2.4 (not accepted), A3.1–A3.2 (other);
intervention I0.1, I1.1–I1.4 (prescriber), I2.1–I2.4 (patient), I3.1–I3.6 (drug), I4.1–I4.2 (other).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from ._patient import Medication, Patient, Prescriber, PriorDecision, PriorFinding, PriorReview
from ._review import Finding

__all__ = ["MEMORY_SOURCE", "Decision", "ACCEPTANCE", "INTERVENTION", "DEFAULT_ACCEPTANCE", "DECISION_GROUP",
           "STOP_INTERVENTION", "StoredStop", "same_problem", "previous_review", "with_memory", "memory_fields"]

Decision = Literal["accepted", "not-accepted", "adapted"]

# The source label of medicines that come from the review memory rather than from one of the patient's lists.
MEMORY_SOURCE = "geheugen"

ACCEPTANCE: frozenset[str] = frozenset({"A1.1", "A1.2", "A1.3", "A1.4", "A2.1", "A2.2", "A2.3", "A2.4", "A3.1", "A3.2"})
INTERVENTION: frozenset[str] = frozenset({"I0.1", "I1.1", "I1.2", "I1.3", "I1.4", "I2.1", "I2.2", "I2.3", "I2.4",
                                          "I3.1", "I3.2", "I3.3", "I3.4", "I3.5", "I3.6", "I4.1", "I4.2"})
# accepted: A1.1 accepted and fully implemented; adapted: A1.2 accepted, partially implemented (carried out in
# another form); not accepted: A2.2 no agreement (the reason is required, so the prescriber's view is on record).
DEFAULT_ACCEPTANCE: dict[str, str] = {"accepted": "A1.1", "adapted": "A1.2", "not-accepted": "A2.2"}
# The acceptance group each decision may carry.
DECISION_GROUP: dict[str, str] = {"accepted": "A1.", "adapted": "A1.", "not-accepted": "A2."}
# PCNE I3.5: drug paused or stopped.
STOP_INTERVENTION = "I3.5"


@dataclass(frozen=True)
class StoredStop:
    """A medicine stopped by a decision recorded in the memory: what, when, why and by whom."""

    key: str
    atc: str | None
    components: tuple[str, ...]
    name: str
    reason: str
    by: str | None
    on: date

    def medication(self) -> Medication:
        """The stop as a stopped medicine of the patient, so that the restart check reads it as any other."""
        who = Prescriber(id=self.by, name=self.by) if self.by else None
        return Medication(text=self.name, atc=self.atc, components=self.components, name=self.name,
                          resolved_by="memory", prescriber=who, stop=self.on, status="stopped",
                          stop_reason=self.reason, source=MEMORY_SOURCE)


def same_problem(prior: PriorFinding, rule: str, also: Iterable[str], atc: Iterable[str], suggest: Iterable[str],
                 ignore: Iterable[str] = ()) -> bool:
    """True when a finding names the same problem as one of an earlier review: a rule in common, the same medicines.

    The rules in `ignore` (the still-open rule) name no problem of their own: a still-open finding stands for the
    problem of its `also`.
    """
    skip = set(ignore)
    mine = {rule, *also} - skip
    return bool(mine & ({prior.rule, *prior.also} - skip)) and prior.atc == tuple(sorted(atc)) \
        and prior.suggest == tuple(suggest)


def previous_review(reviews: Sequence[PriorReview], ignore: Iterable[str] = ()) -> PriorReview | None:
    """The last of the earlier reviews (oldest first), each finding with the latest decision on its problem.

    A decision holds for the problem, not for one review's finding number: it is taken from whichever earlier
    finding of the same problem carried it (also one that reported the problem as still open).
    """
    if not reviews:
        return None
    skip = set(ignore)
    decided = sorted(((f, f.decision) for r in reviews for f in r.findings if f.decision is not None),
                     key=lambda fd: fd[1].on)  # stable: the same day keeps the order of the reviews
    last = reviews[-1]

    def latest(f: PriorFinding) -> PriorDecision | None:
        found = [d for other, d in decided if same_problem(other, f.rule, f.also, f.atc, f.suggest, skip)]
        return found[-1] if found else None

    return last.model_copy(update={"findings": tuple(f.model_copy(update={"decision": latest(f)})
                                                      for f in last.findings)})


def with_memory(patient: Patient, stops: Sequence[StoredStop], previous: PriorReview | None) -> Patient:
    """The patient with the memory's stops of medicines now in use and the previous review.

    Only stops of a medicine that is on a list again are added: the others change nothing in the review,
    and the reconciled list keeps showing exactly the input's medicines.
    """
    in_use = {m.key for m in patient.medications if m.resolved and m.in_use}
    extra = tuple(s.medication() for s in stops if s.key in in_use)
    return patient.model_copy(update={"medications": patient.medications + extra, "previous": previous})


def memory_fields(patient: Patient, findings: Sequence[Finding], about_memory: Iterable[str]) -> dict[str, object]:
    """`previous_review` and `new_since_last` of the Review (nothing without a previous review).

    `new_since_last` holds the ids of findings that name a problem the previous review did not have;
    findings of the rules in `about_memory` (a problem still open) are about the previous review and never new.
    """
    prev = patient.previous
    if prev is None:
        return {}
    skip = set(about_memory)
    new = [f.id for f in findings if f.rule not in skip
           and not any(same_problem(p, f.rule, f.also, f.atc, f.suggest, skip) for p in prev.findings)]
    return {"previous_review": prev.review_date, "new_since_last": new}
