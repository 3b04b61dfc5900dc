"""The patient as the engine sees it: medicines, conditions and labs at a review date."""

from __future__ import annotations

import datetime as dt
from datetime import date
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["Sex", "MedStatus", "Prescriber", "Medication", "Condition", "LabValue", "Vaccination", "PriorDecision",
           "PriorFinding", "PriorReview", "Patient"]

Sex = Literal["female", "male", "unknown"]
MedStatus = Literal["active", "on-hold", "stopped", "completed", "unknown"]

IN_USE: frozenset[str] = frozenset({"active", "on-hold", "unknown"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Prescriber(_Frozen):
    """Who prescribed: a name and, where known, the specialty ("cardioloog") and a contact (phone or e-mail)."""

    id: str
    name: str | None = None
    specialty: str | None = None
    contact: str | None = None

    @property
    def label(self) -> str:
        """The specialty with the name in brackets, or whichever is known."""
        if self.specialty and self.name:
            return f"{self.specialty} ({self.name})"
        return self.specialty or self.name or self.id


class Medication(_Frozen):
    """One medicine as written in a source, resolved to ATC where possible."""

    text: str
    atc: str | None = None
    components: tuple[str, ...] = ()
    name: str
    resolved_by: str | None = None
    dose: str | None = None
    prescriber: Prescriber | None = None
    start: date | None = None
    stop: date | None = None
    status: MedStatus = "active"
    stop_reason: str | None = None
    source: str = ""

    @property
    def resolved(self) -> bool:
        """True when the medicine is known by at least one ATC substance."""
        return bool(self.components)

    @cached_property
    def codes(self) -> tuple[str, ...]:
        """Every ATC code the medicine answers to: its substances and the product's own code."""
        return self.components + ((self.atc,) if self.atc and self.atc not in self.components else ())

    @property
    def in_use(self) -> bool:
        """True for an order that is (or may be) taken at the review date."""
        return self.status in IN_USE

    @property
    def key(self) -> str:
        """Identity of the distinct medicine: its ATC code, else its normalised text."""
        if self.atc:
            return self.atc
        if self.components:
            return "+".join(sorted(self.components))
        return "?" + " ".join(self.text.lower().split())


class Condition(_Frozen):
    """A diagnosis with the knowledge concepts it maps to (empty when unknown)."""

    text: str
    code: str | None = None
    system: str | None = None
    concepts: frozenset[str] = frozenset()
    onset: date | None = None
    active: bool = True


class LabValue(_Frozen):
    """A lab result: test id from knowledge/labs.yaml, value in the test's unit."""

    test: str
    value: float
    unit: str | None = None
    date: dt.date | None = None
    derived_from: str | None = None


class Vaccination(_Frozen):
    """A vaccination given: the vaccine ids it stands for (empty when unknown) and when."""

    text: str
    vaccines: frozenset[str] = frozenset()
    date: dt.date | None = None


class PriorDecision(_Frozen):
    """What was decided on a finding of an earlier review: PCNE V9.1 acceptance (A…) and intervention (I…) codes."""

    decision: Literal["accepted", "not-accepted", "adapted"]
    acceptance: str
    intervention: str | None = None
    reason: str
    by: str | None = None
    on: date
    stopped: bool = False


class PriorFinding(_Frozen):
    """A finding of the previous review as the review memory keeps it, with the last decision on that problem."""

    id: str
    rule: str
    also: tuple[str, ...] = ()
    atc: tuple[str, ...] = ()
    suggest: tuple[str, ...] = ()
    title: str
    severity: Literal["high", "moderate", "low"]
    decision: PriorDecision | None = None


class PriorReview(_Frozen):
    """The patient's previous review from the review memory (see mbo.Store)."""

    review_date: date
    knowledge_version: str
    findings: tuple[PriorFinding, ...] = ()


class Patient(_Frozen):
    """Everything a review needs about one person."""

    id: str | None = None
    birth_date: date
    sex: Sex = "unknown"
    review_date: date
    medications: tuple[Medication, ...]
    conditions: tuple[Condition, ...] = ()
    labs: tuple[LabValue, ...] = ()
    vaccinations: tuple[Vaccination, ...] = ()
    vaccination_record: bool = False
    source: str = ""
    previous: PriorReview | None = None

    @property
    def age(self) -> int:
        """Age in whole years at the review date."""
        b, r = self.birth_date, self.review_date
        return r.year - b.year - ((r.month, r.day) < (b.month, b.day))

    def latest_lab(self, test: str) -> LabValue | None:
        """The most recent value of a test (undated values count as oldest)."""
        values = [lab for lab in self.labs if lab.test == test]
        if not values:
            return None
        return max(values, key=lambda lab: (lab.date or date.min, lab.derived_from is None, lab.value))
