"""The expression language of rules (`when`, `unless`, `downgrade`), compiled and evaluated.

An expression is true or false for a patient; when true it also says which medicines it
involved and gives the evidence (values, dates) in the review's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from ._errors import KnowledgeError
from ._dosage import daily_dose_mg
from ._i18n import fmt_date, fmt_number, word
from ._patient import LabValue, Medication
from ._selectors import Selector

__all__ = ["Facts", "Outcome", "Expr", "ExprCompiler", "FALSE"]

_BOUNDS = {"lt": (lambda v, b: v < b, "<"), "lte": (lambda v, b: v <= b, "≤"),
           "gt": (lambda v, b: v > b, ">"), "gte": (lambda v, b: v >= b, "≥")}


@dataclass(frozen=True)
class Facts:
    """What expressions look at: the patient's medicines in use, conditions, labs, age."""

    age: int
    sex: str
    review_date: date
    meds: tuple[Medication, ...]
    concepts: Mapping[str, date | None]
    labs: Mapping[str, LabValue]
    lang: str
    describe_med: Callable[[Medication], str]
    describe_lab: Callable[[LabValue], str]
    condition_name: Callable[[str], str]
    broader: Mapping[str, frozenset[str]]
    latest_onsets: Mapping[str, date] = field(default_factory=dict)
    vaccinations: Mapping[str, date | None] = field(default_factory=dict)
    vaccination_record: bool = False
    vaccine_name: Callable[[str], str] = str
    by_selector: Mapping[str, tuple[Medication, ...]] = field(default_factory=dict)
    indexed: frozenset[str] = frozenset()

    def meds_for(self, selector: Selector) -> tuple[Medication, ...]:
        """The medicines in use that fall under a selector, from the review's index where it covers the selector."""
        found = self.by_selector.get(selector.key)
        if found is not None:
            return found
        if selector.key in self.indexed:
            return ()
        return tuple(m for m in self.meds if selector.matches_any(m.codes))


@dataclass(frozen=True)
class Outcome:
    """The value of an expression, the medicines it involved and why."""

    ok: bool
    meds: tuple[Medication, ...] = ()
    evidence: tuple[str, ...] = ()


FALSE = Outcome(False)


class Expr(Protocol):
    def evaluate(self, facts: Facts) -> Outcome: ...

    def label(self, lang: str) -> str: ...


@dataclass(frozen=True)
class _Labels:
    nl: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


@dataclass(frozen=True)
class DrugClause:
    selector: Selector
    names: _Labels

    def evaluate(self, facts: Facts) -> Outcome:
        meds = facts.meds_for(self.selector)
        if not meds:
            return FALSE
        return Outcome(True, meds, tuple(facts.describe_med(m) for m in meds))

    def label(self, lang: str) -> str:
        return self.names(lang)


@dataclass(frozen=True)
class UsesClause:
    """A co-medication that is context: it must be there, but the finding does not ask to change it."""

    drug: DrugClause

    def evaluate(self, facts: Facts) -> Outcome:
        out = self.drug.evaluate(facts)
        return Outcome(True, (), out.evidence) if out.ok else FALSE

    def label(self, lang: str) -> str:
        return self.drug.label(lang)


@dataclass(frozen=True)
class CountClause:
    selector: Selector
    names: _Labels
    gte: int

    def evaluate(self, facts: Facts) -> Outcome:
        meds = facts.meds_for(self.selector)
        if len({m.key for m in meds}) < self.gte:
            return FALSE
        return Outcome(True, meds, tuple(facts.describe_med(m) for m in meds))

    def label(self, lang: str) -> str:
        return f"≥ {self.gte} × {self.names(lang)}"


@dataclass(frozen=True)
class DurationClause:
    selector: Selector
    names: _Labels
    gt_days: int

    def evaluate(self, facts: Facts) -> Outcome:
        meds = tuple(m for m in facts.meds_for(self.selector)
                     if m.start is not None and (facts.review_date - m.start).days > self.gt_days)
        if not meds:
            return FALSE
        days = word("days", facts.lang)
        return Outcome(True, meds, tuple(f"{facts.describe_med(m)}: {(facts.review_date - m.start).days} {days}"  # type: ignore[operator]
                                         for m in meds))

    def label(self, lang: str) -> str:
        return f"{self.names(lang)} > {self.gt_days} {'dagen' if lang == 'nl' else 'days'}"


@dataclass(frozen=True)
class DoseClause:
    """A matching medicine whose regular daily dose (mg), read from its instructions, is within the bounds."""

    selector: Selector
    names: _Labels
    bounds: tuple[tuple[str, float], ...]

    def evaluate(self, facts: Facts) -> Outcome:
        hits = []
        for m in facts.meds_for(self.selector):
            daily = daily_dose_mg(m.dose, m.text)
            if daily is not None and all(_BOUNDS[op][0](daily, b) for op, b in self.bounds):
                hits.append((m, daily))
        if not hits:
            return FALSE
        per_day = "mg/dag" if facts.lang == "nl" else "mg/day"
        return Outcome(True, tuple(m for m, _ in hits),
                       tuple(f"{facts.describe_med(m)}: {m.dose} = {fmt_number(d, facts.lang)} {per_day}" for m, d in hits))

    def label(self, lang: str) -> str:
        return f"{self.names(lang)} " + ", ".join(f"{_BOUNDS[op][1]} {b:g} mg" for op, b in self.bounds)


@dataclass(frozen=True)
class RecentClause:
    """A condition whose most recent known onset lies within the window before the review date."""

    ids: tuple[str, ...]
    names: _Labels
    within_days: int

    def evaluate(self, facts: Facts) -> Outcome:
        found = [c for c in self.ids if c in facts.latest_onsets
                 and 0 <= (facts.review_date - facts.latest_onsets[c]).days <= self.within_days]
        if not found:
            return FALSE
        since = word("since", facts.lang)
        return Outcome(True, (), tuple(f"{facts.condition_name(c)} ({since} {fmt_date(facts.latest_onsets[c], facts.lang)})"
                                       for c in found))

    def label(self, lang: str) -> str:
        return f"{self.names(lang)} ≤ {self.within_days} {word('days', lang)}"


@dataclass(frozen=True)
class UnvaccinatedClause:
    """No such vaccination in the record (within the window); false when there is no vaccination record."""

    vaccine: str
    names: _Labels
    within_days: int | None

    def evaluate(self, facts: Facts) -> Outcome:
        if not facts.vaccination_record:
            return FALSE
        name, nl = facts.vaccine_name(self.vaccine), facts.lang == "nl"
        if self.vaccine not in facts.vaccinations:
            return Outcome(True, (), (f"geen {name} vastgelegd" if nl else f"no {name} recorded",))
        last = facts.vaccinations[self.vaccine]
        if last is None or self.within_days is None or (facts.review_date - last).days <= self.within_days:
            return FALSE  # given (possibly on an unknown date): not missing
        return Outcome(True, (), (f"{name}: {'laatste' if nl else 'last'} {fmt_date(last, facts.lang)}",))

    def label(self, lang: str) -> str:
        return ("geen " if lang == "nl" else "no ") + self.names(lang)


@dataclass(frozen=True)
class ConditionClause:
    ids: tuple[str, ...]
    names: _Labels

    def evaluate(self, facts: Facts) -> Outcome:
        found = [c for c in self.ids if c in facts.concepts]
        if not found:
            return FALSE
        found = [c for c in found if not any(c != o and c in facts.broader[o] for o in found)]  # the narrowest only
        return Outcome(True, (), tuple(_condition_evidence(facts, c) for c in found))

    def label(self, lang: str) -> str:
        return self.names(lang)


def _condition_evidence(facts: Facts, concept: str) -> str:
    onset = facts.concepts[concept]
    name = facts.condition_name(concept)
    if onset is None:
        return name
    return f"{name} ({word('since', facts.lang)} {fmt_date(onset, facts.lang)})"


@dataclass(frozen=True)
class LabClause:
    test: str
    bounds: tuple[tuple[str, float], ...]
    names: _Labels

    def evaluate(self, facts: Facts) -> Outcome:
        lab = facts.labs.get(self.test)
        if lab is None or not all(_BOUNDS[op][0](lab.value, bound) for op, bound in self.bounds):
            return FALSE
        limits = ", ".join(f"{_BOUNDS[op][1]} {bound:g}" for op, bound in self.bounds)
        return Outcome(True, (), (f"{facts.describe_lab(lab)} ({limits})",))

    def label(self, lang: str) -> str:
        return self.names(lang) + " " + ", ".join(f"{_BOUNDS[op][1]} {bound:g}" for op, bound in self.bounds)


@dataclass(frozen=True)
class AgeClause:
    bounds: tuple[tuple[str, float], ...]

    def evaluate(self, facts: Facts) -> Outcome:
        if not all(_BOUNDS[op][0](facts.age, bound) for op, bound in self.bounds):
            return FALSE
        return Outcome(True, (), (f"{'leeftijd' if facts.lang == 'nl' else 'age'} {facts.age}",))

    def label(self, lang: str) -> str:
        return ("leeftijd " if lang == "nl" else "age ") + ", ".join(f"{_BOUNDS[op][1]} {b:g}" for op, b in self.bounds)


@dataclass(frozen=True)
class SexClause:
    sex: str

    def evaluate(self, facts: Facts) -> Outcome:
        return Outcome(True) if facts.sex == self.sex else FALSE

    def label(self, lang: str) -> str:
        return {"female": ("vrouw", "female"), "male": ("man", "male")}[self.sex][lang == "en"]


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Expr, ...]

    def evaluate(self, facts: Facts) -> Outcome:
        meds: list[Medication] = []
        evidence: list[str] = []
        for part in self.parts:
            out = part.evaluate(facts)
            if not out.ok:
                return FALSE
            meds.extend(out.meds)
            evidence.extend(out.evidence)
        return Outcome(True, _unique(meds), tuple(dict.fromkeys(evidence)))

    def label(self, lang: str) -> str:
        return (" en " if lang == "nl" else " and ").join(p.label(lang) for p in self.parts)


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Expr, ...]

    def evaluate(self, facts: Facts) -> Outcome:
        outs = [o for o in (p.evaluate(facts) for p in self.parts) if o.ok]
        if not outs:
            return FALSE
        return Outcome(True, _unique([m for o in outs for m in o.meds]),
                       tuple(dict.fromkeys(e for o in outs for e in o.evidence)))

    def label(self, lang: str) -> str:
        return (" of " if lang == "nl" else " or ").join(p.label(lang) for p in self.parts)


@dataclass(frozen=True)
class NotOf:
    inner: Expr

    def evaluate(self, facts: Facts) -> Outcome:
        if self.inner.evaluate(facts).ok:
            return FALSE
        return Outcome(True, (), (self.label(facts.lang),))

    def label(self, lang: str) -> str:
        return ("geen " if lang == "nl" else "no ") + self.inner.label(lang)


def _unique(meds: list[Medication]) -> tuple[Medication, ...]:
    return tuple({m.key: m for m in meds}.values())


@dataclass
class ExprCompiler:
    """Turns expression data into clause objects, checking every id it names."""

    compile_selector: Callable[[Any, str], Selector]
    selector_names: Callable[[Any, str], str]
    condition_ids: Mapping[str, Any]
    lab_ids: Mapping[str, Any]
    vaccines: Mapping[str, Any] = field(default_factory=dict)
    _seen: dict[str, Expr] = field(default_factory=dict)

    def compile(self, data: Any, where: str) -> Expr:
        """Compile one expression; `where` names the rule and field for error messages."""
        if not isinstance(data, Mapping) or len(data) != 1:
            raise KnowledgeError(where, f"an expression is a mapping with one key (drug, uses, dose, condition, recent, lab, age, sex, count, duration, unvaccinated, all, any, not); got {data!r}")
        ((key, value),) = data.items()
        method = getattr(self, f"_{key}", None)
        if method is None:
            raise KnowledgeError(where, f"unknown expression key {key!r}")
        return method(value, f"{where}.{key}")

    def _names(self, selector: Any, where: str) -> _Labels:
        return _Labels(self.selector_names(selector, "nl"), self.selector_names(selector, "en"))

    def _drug(self, value: Any, where: str) -> Expr:
        return DrugClause(self.compile_selector(value, where), self._names(value, where))

    def _uses(self, value: Any, where: str) -> Expr:
        return UsesClause(DrugClause(self.compile_selector(value, where), self._names(value, where)))

    def _count(self, value: Any, where: str) -> Expr:
        if not isinstance(value, Mapping) or set(value) != {"drug", "gte"}:
            raise KnowledgeError(where, "count needs exactly {drug: SELECTOR, gte: N}")
        return CountClause(self.compile_selector(value["drug"], where), self._names(value["drug"], where), int(value["gte"]))

    def _duration(self, value: Any, where: str) -> Expr:
        if not isinstance(value, Mapping) or set(value) != {"drug", "gt_days"}:
            raise KnowledgeError(where, "duration needs exactly {drug: SELECTOR, gt_days: N}")
        return DurationClause(self.compile_selector(value["drug"], where), self._names(value["drug"], where), int(value["gt_days"]))

    def _dose(self, value: Any, where: str) -> Expr:
        bounds = _bounds(value, where, extra={"drug"}) if isinstance(value, Mapping) and "drug" in value else None
        if not bounds:
            raise KnowledgeError(where, "dose needs {drug: SELECTOR, lt/lte/gt/gte: MG_PER_DAY}")
        return DoseClause(self.compile_selector(value["drug"], where), self._names(value["drug"], where), bounds)

    def _recent(self, value: Any, where: str) -> Expr:
        if not isinstance(value, Mapping) or set(value) != {"condition", "within_days"}:
            raise KnowledgeError(where, "recent needs exactly {condition: ID-or-list, within_days: N}")
        inner = self._condition(value["condition"], where)
        return RecentClause(inner.ids, inner.names, int(value["within_days"]))  # type: ignore[attr-defined]

    def _unvaccinated(self, value: Any, where: str) -> Expr:
        if not isinstance(value, Mapping) or "vaccine" not in value or set(value) - {"vaccine", "within_days"}:
            raise KnowledgeError(where, "unvaccinated needs {vaccine: ID, within_days: N (optional)}")
        vaccine = self.vaccines.get(value["vaccine"])
        if vaccine is None:
            raise KnowledgeError(where, f"unknown vaccine {value['vaccine']!r}; see knowledge/vaccines.yaml")
        days = value.get("within_days")
        return UnvaccinatedClause(vaccine.id, _Labels(vaccine.nl, vaccine.en), int(days) if days is not None else None)

    def _condition(self, value: Any, where: str) -> Expr:
        ids = (value,) if isinstance(value, str) else tuple(value)
        for cid in ids:
            if cid not in self.condition_ids:
                raise KnowledgeError(where, f"unknown condition {cid!r}; define it in knowledge/conditions/")
        nl = " of ".join(self.condition_ids[c].nl for c in ids)
        en = " or ".join(self.condition_ids[c].en for c in ids)
        return ConditionClause(ids, _Labels(nl, en))

    def _lab(self, value: Any, where: str) -> Expr:
        if not isinstance(value, Mapping) or "test" not in value:
            raise KnowledgeError(where, "lab needs {test: ID, lt/lte/gt/gte: NUMBER}")
        test = value["test"]
        if test not in self.lab_ids:
            raise KnowledgeError(where, f"unknown lab test {test!r}; see knowledge/labs.yaml")
        bounds = tuple((op, float(value[op])) for op in ("lt", "lte", "gt", "gte") if op in value)
        extra = set(value) - {"test", "lt", "lte", "gt", "gte"}
        if not bounds or extra:
            raise KnowledgeError(where, f"lab needs at least one of lt/lte/gt/gte and nothing else (got {sorted(value)})")
        lab = self.lab_ids[test]
        return LabClause(test, bounds, _Labels(lab.nl, lab.en))

    def _age(self, value: Any, where: str) -> Expr:
        if not isinstance(value, Mapping) or not value or set(value) - set(_BOUNDS):
            raise KnowledgeError(where, "age needs lt/lte/gt/gte bounds")
        return AgeClause(tuple((op, float(b)) for op, b in sorted(value.items())))

    def _sex(self, value: Any, where: str) -> Expr:
        if value not in ("female", "male"):
            raise KnowledgeError(where, "sex is female or male")
        return SexClause(value)

    def _all(self, value: Any, where: str) -> Expr:
        return AllOf(tuple(self.compile(v, f"{where}[{i}]") for i, v in enumerate(_as_list(value, where))))

    def _any(self, value: Any, where: str) -> Expr:
        return AnyOf(tuple(self.compile(v, f"{where}[{i}]") for i, v in enumerate(_as_list(value, where))))

    def _not(self, value: Any, where: str) -> Expr:
        return NotOf(self.compile(value, where))


def _bounds(value: Mapping[str, Any], where: str, extra: set[str]) -> tuple[tuple[str, float], ...]:
    unknown = set(value) - set(_BOUNDS) - extra
    if unknown:
        raise KnowledgeError(where, f"unknown keys {sorted(unknown)} (bounds are lt, lte, gt, gte)")
    return tuple((op, float(value[op])) for op in ("lt", "lte", "gt", "gte") if op in value)


def _as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise KnowledgeError(where, "all/any take a non-empty list of expressions")
    return value
