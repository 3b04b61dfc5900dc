"""The schema of every knowledge entry, checked when the knowledge base loads."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "Text", "Example", "Examples", "Substance", "AtcClass", "AtcClasses", "Group", "ConditionConcept", "LabTest", "Vaccine", "Selection", "Effect",
    "Criterion", "Interaction", "RenalThreshold", "RenalRule", "Cascade", "Indication", "ReconciliationRule", "BurdenScale",
    "Rule",
]

Severity = Literal["high", "moderate", "low"]
Action = Literal["continue", "stop", "reduce", "change", "start", "monitor", "check"]
SelectorData = str | list[str] | dict[str, Any]
ExprData = dict[str, Any]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Entry):
    """A text in Dutch and English."""

    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


class ExampleMed(_Entry):
    drug: str
    start: date | None = None
    stop: date | None = None
    dose: str | None = None
    prescriber: str | None = None
    status: Literal["active", "stopped"] = "active"
    stop_reason: str | None = None
    text: str | None = None
    source: str | None = None


class ExamplePriorFinding(_Entry):
    """A finding of the example patient's previous review (review memory), with what was decided on it."""

    rule: str
    atc: list[str] = []
    suggest: list[str] = []
    severity: Severity = "moderate"
    decision: Literal["accepted", "not-accepted", "adapted"] | None = None
    stopped: bool = False


class ExamplePrevious(_Entry):
    """The example patient's previous review, as the review memory would give it."""

    review_date: date
    findings: list[ExamplePriorFinding] = []


class Example(_Entry):
    """A small patient on which a rule must fire, or must stay quiet."""

    age: int = 80
    sex: Literal["F", "M"] = "F"
    review_date: date = date(2026, 1, 1)
    meds: list[str | ExampleMed] = []
    conditions: list[str] = []
    labs: dict[str, float] = {}
    vaccinations: list[str] | None = None
    previous: ExamplePrevious | None = None
    severity: Severity | None = None
    note: str | None = None


class Examples(_Entry):
    fire: list[Example] = Field(min_length=1)
    quiet: list[Example] = Field(min_length=1)


class Substance(_Entry):
    atc: str = Field(pattern=r"^[A-Z]\d\d[A-Z][A-Z]\d\d$")
    nl: str
    en: str
    synonyms: list[str] = []
    brands: list[str] = []
    rxnorm: list[str] = []
    components: list[str] = []

    @field_validator("rxnorm", mode="before")
    @classmethod
    def _rxnorm_as_text(cls, value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else value


class AtcClass(_Entry):
    """The name of an ATC class (levels 1-4); a main group also gives its heading in the letter to the GP."""

    code: str = Field(pattern=r"^[A-Z](\d\d([A-Z][A-Z]?)?)?$")
    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)
    domain: Text | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _domain_on_main_group(self) -> "AtcClass":
        if self.domain is not None and len(self.code) != 1:
            raise ValueError("`domain` belongs to an anatomical main group (one letter)")
        return self


class AtcClasses(_Entry):
    """atc_classes.yaml: the class names with the sources they are taken from."""

    sources: list[str] = Field(min_length=1)
    classes: list[AtcClass] = Field(min_length=1)


class Group(_Entry):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    nl: str
    en: str
    members: list[str] = Field(min_length=1)
    except_: list[str] = Field(default=[], alias="except")
    sources: list[str] = []
    note: str | None = None


class ConditionConcept(_Entry):
    """A condition: its professional names (`nl`, `en`), the patient's words for it (`lay`, B1), its codes."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    nl: str
    en: str
    lay: Text | None = None
    icd10: list[str] = []
    icpc: list[str] = []
    snomed: list[str] = []
    text: list[str] = []
    broader: list[str] = []
    except_: list[str] = Field(default=[], alias="except")
    sources: list[str] = []
    note: str | None = None

    @field_validator("snomed", "icpc", "icd10", "except_", mode="before")
    @classmethod
    def _codes_as_text(cls, value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else value


class LabTest(_Entry):
    id: str
    nl: str
    en: str
    unit: str
    loinc: list[str]
    convert: dict[str, float] = {}
    sources: list[str] = []


class Vaccine(_Entry):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    nl: str
    en: str
    cvx: list[str] = []
    atc: list[str] = []
    snomed: list[str] = []
    text: list[str] = []
    sources: list[str] = []

    @field_validator("cvx", "snomed", mode="before")
    @classmethod
    def _codes_as_text(cls, value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else value


class ChronicUse(_Entry):
    """When dispensings make a medicine chronic, and how chronic medicines are counted."""

    window_days: int = Field(gt=0)
    min_dispensings: int = Field(gt=0)
    min_days_supply: int = Field(gt=0)
    count_atc_level: Literal[1, 2, 3, 4, 5]
    exclude_atc: list[str] = []


class Selection(_Entry):
    """Who needs a structured medication review: the criteria a population screening selects by."""

    min_age: int = Field(gt=0)
    min_chronic_medicines: int = Field(gt=0)
    frailty_conditions: list[str] = Field(min_length=1)
    chronic: ChronicUse
    sources: list[str] = Field(min_length=1)
    note: str | None = None


class Effect(_Entry):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    nl: str
    en: str
    conditions: list[str] = []
    sources: list[str] = []
    note: str | None = None


class _Rule(_Entry):
    """What every rule has: an id, its sources and its own examples."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    sources: list[str] = Field(min_length=1)
    examples: Examples
    supersedes: list[str] = []
    requires: list[str] = []
    note: str | None = None


class Criterion(_Rule):
    set: str = "STOPP/START v3"
    kind: Literal["inappropriate", "contraindication", "omission", "duplication", "dose"]
    severity: Severity
    title: Text
    when: ExprData
    unless: ExprData | None = None
    downgrade: ExprData | None = None
    action: Action = "check"
    suggest: list[str] | None = None
    responsible: list[str] = []
    pcne: str = "C1.1"
    rationale: Text
    advice: Text

    @model_validator(mode="after")
    def _omission_suggests(self) -> "Criterion":
        if self.kind == "omission" and self.suggest is None:
            raise ValueError("an omission must name what to start in `suggest` (`[]` only for a general rule)")
        return self


class Interaction(_Rule):
    drugs: list[SelectorData] = Field(min_length=2)
    when: ExprData | None = None
    unless: ExprData | None = None
    downgrade: ExprData | None = None
    severity: Severity
    action: list[Action]
    title: Text | None = None
    mechanism: Text
    effect: Text
    advice: Text
    pcne: str = "C1.3"

    @model_validator(mode="after")
    def _one_action_per_drug(self) -> "Interaction":
        if len(self.action) != len(self.drugs):
            raise ValueError("`action` needs one entry per entry of `drugs`")
        return self


class RenalThreshold(_Entry):
    below: float = Field(gt=0)
    action: Literal["stop", "reduce", "monitor", "change"]
    severity: Severity
    advice: Text
    max_daily_mg: float | None = None


class RenalRule(_Rule):
    drug: SelectorData
    thresholds: list[RenalThreshold] = Field(min_length=1)
    rationale: Text
    title: Text | None = None
    pcne: str | None = None
    unless: ExprData | None = None


class Cascade(_Rule):
    index: SelectorData
    effect: str
    marker: SelectorData
    window_days: int = Field(gt=0)
    min_days: int = Field(1, gt=0)
    explained_by: list[str] = []
    unless: ExprData | None = None
    severity: Severity = "moderate"
    action: list[Action] = ["change", "stop"]
    title: Text
    rationale: Text
    advice: Text
    pcne: str = "C1.1"
    evidence: str | None = None


class Indication(_Rule):
    """What a medicine is for. `conditions` it treats or prevents; `justified_by` conditions make it right without
    being its target (risk factors), and then `purpose` says in plain words what it is for. Both explain it alike."""

    drug: SelectorData
    conditions: list[str] = []
    justified_by: list[str] = []
    purpose: Text | None = None
    drugs: list[SelectorData] = []
    severity: Severity = "low"

    @model_validator(mode="after")
    def _purpose_with_justified_by(self) -> Indication:
        if bool(self.justified_by) != (self.purpose is not None):
            raise ValueError("justified_by and purpose go together: purpose says what the medicine is for when only "
                             "justifying conditions are present")
        if overlap := set(self.conditions) & set(self.justified_by):
            raise ValueError(f"in both conditions and justified_by: {sorted(overlap)}")
        return self


class ReconciliationRule(_Rule):
    """A check across the records of one patient (history, several sources); the check itself is generic."""

    check: Literal["restarted-after-stop", "missing-from-source", "dose-differs", "strength-differs",
                   "two-names-one-substance", "still-open"]
    severity: Severity
    action: Action = "check"
    title: Text
    rationale: Text
    advice: Text
    pcne: str = "C8.1"


class BurdenScale(_Rule):
    scale: str
    threshold: int = Field(gt=0)
    severity: Severity = "moderate"
    scores: dict[str, int]
    title: Text
    rationale: Text
    advice: Text
    pcne: str = "C1.1"


Rule = Criterion | Interaction | RenalRule | Cascade | Indication | ReconciliationRule | BurdenScale
