"""What a review produces: findings and one reconciled medication list."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["Kind", "Severity", "Action", "Finding", "MedicationEntry", "ConditionEntry", "PrescriberEntry", "FollowUp",
           "PatientSummary", "CriteriaStamp", "KnowledgeStamp", "Review"]

Kind = Literal["interaction", "contraindication", "cascade", "inappropriate", "omission", "dose",
               "duplication", "no-indication", "burden", "discrepancy"]
Severity = Literal["high", "moderate", "low"]
Action = Literal["continue", "stop", "reduce", "change", "start", "monitor", "check"]

SEVERITY_RANK: dict[str, int] = {"high": 0, "moderate": 1, "low": 2}
# When several findings ask different things of one medicine, the strongest wins.
ACTION_RANK: dict[str, int] = {"stop": 0, "change": 1, "reduce": 2, "start": 3, "check": 4, "monitor": 5, "continue": 6}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Finding(_Model):
    """One drug-related problem (FTP): what, why, what to do and who should act."""

    id: str
    kind: Kind
    severity: Severity
    rule: str
    also: list[str] = []
    title: str
    rationale: str
    recommendation: str
    atc: list[str]
    suggest: list[str] = []
    prescribers: list[str]
    sources: list[str]
    pcne: str
    evidence: list[str] = []
    medications: list[str] = []
    actions: dict[str, Action] = {}


class MedicationEntry(_Model):
    """One distinct medicine on the reconciled list.

    `conditions` holds the ids of the patient's conditions that the indication knowledge says it treats or prevents;
    `justified_by` those that make it right without being what it treats (a risk factor, such as high blood pressure
    for a statin), and then `purpose` says what it is for, in the review's language; `indicated_with` holds the
    entries it goes with (a laxative with an opioid).
    """

    id: str
    atc: str | None
    name: str
    text: str
    components: list[str] = []
    unresolved: bool = False
    status: str
    prescriber: str | None = None
    dose: str | None = None
    start: date | None = None
    stop: date | None = None
    stop_reason: str | None = None
    action: Action = "continue"
    findings: list[str] = []
    sources: list[str] = []
    missing_from: list[str] = []
    conditions: list[str] = []
    justified_by: list[str] = []
    purpose: str | None = None
    indicated_with: list[str] = []


class ConditionEntry(_Model):
    """One of the patient's active conditions, with the medicines that the indication knowledge links to it.

    `concept` is the knowledge base's condition id (null when the diagnosis could not be mapped);
    `lay_name` the concept's name in the patient's words (B1), null when the knowledge base gives none;
    `medications` holds the ids of the reconciled list's entries indicated for it.
    """

    id: str
    concept: str | None = None
    name: str
    lay_name: str | None = None
    text: str
    code: str | None = None
    system: str | None = None
    onset: date | None = None
    medications: list[str] = []


class PrescriberEntry(_Model):
    """Someone a finding or a medicine names: the `label` used in findings and on the list, and what is known."""

    label: str
    name: str | None = None
    specialty: str | None = None
    contact: str | None = None


class FollowUp(_Model):
    """An if-then instruction for follow-up: when `when` happens, do `then`; `who` acts."""

    when: str
    then: str
    who: str | None = None
    medication: str | None = None
    finding: str | None = None
    rule: str | None = None


class PatientSummary(_Model):
    """The facts of the patient that a reader of the review needs next to the findings."""

    id: str | None = None
    age: int
    sex: Literal["female", "male", "unknown"]
    conditions: list[str] = []
    unmapped_conditions: list[str] = []
    labs: dict[str, str] = {}
    medicines_in_use: int


class CriteriaStamp(_Model):
    """Which explicit criteria (STOPP/START) the review applied.

    The knowledge base's own (`set` names their sets, e.g. "STOPP/START v3 + STOPPFall"; `file` and
    `sha256` null), or a STOPP/START v2 XML file given as `criteria=` (`file` as given, `sha256` of its bytes).
    `rules` counts the criteria applied.
    """

    set: str
    file: str | None = None
    sha256: str | None = None
    rules: int


class KnowledgeStamp(_Model):
    """Which knowledge base and which explicit criteria produced the review."""

    version: str
    hash: str
    criteria: CriteriaStamp


class Review(_Model):
    """The outcome of one medication review."""

    review_date: date
    language: Literal["nl", "en"]
    source: str
    patient: PatientSummary
    findings: list[Finding]
    medications: list[MedicationEntry]
    knowledge: KnowledgeStamp
    conditions: list[ConditionEntry] = []
    prescribers: list[PrescriberEntry] = []
    follow_up: list[FollowUp] = []
    # review memory (mbo.Store): the date of the previous review, and the ids of findings it did not have
    previous_review: date | None = None
    new_since_last: list[str] = []

    @property
    def unresolved(self) -> list[MedicationEntry]:
        """Medicines that could not be resolved: to be reviewed by hand."""
        return [m for m in self.medications if m.unresolved]

    def to_dict(self) -> dict[str, object]:
        """The review as plain JSON-ready data (the contract of `--format json`)."""
        return self.model_dump(mode="json")

    def to_json(self) -> str:
        """The review as JSON text, byte-identical for the same input and knowledge."""
        return self.model_dump_json(indent=2) + "\n"
