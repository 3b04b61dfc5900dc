"""The STOPP/START v2 algorithms of Huibers et al. (2018), read from their published XML, as a second criteria set.

The XML (structure in its `stoppstart.xsd`) is read as published, never changed: rules → rule[id] →
description[language] → iteration[priority] → condition* (episode | medicine | measurement) → action.
A rule fires when any iteration holds; an iteration holds when all its conditions hold. What the
patient's data cannot show never counts as present or absent: a duration without a start date, a dose
that cannot be read, a frequency of episodes, a measurement that is missing. Such a condition does not
hold, whether it is asked for or asked to be absent ("negative").

How the published data meets our Patient (decisions, written down here once):

- episodes are the active Conditions. ICD-10 codes are compared without regard to the dot
  ("I48.2" = "I482"). A code with system `icpc` is read as ICPC-1-NL as written (the Dutch
  subcodes such as K90.03 are the NHG extension of the same letters and digits) and as ICPC-2 at
  its three characters (K90.03 → K90: ICPC-2 has no subcodes). A diagnosis coded only in SNOMED CT
  or as text is matched by the ICPC codes of its narrowest knowledge-base concepts. ICD-9 is not
  an input system of mbo, so the ICD-9 iterations never hold.
- medicines are the resolved medicines in use (every ATC code a medicine answers to: its
  substances and the product's code), with `status active="false"` the stopped ones, and the
  recorded vaccinations (ATC J07); absence of a vaccine only counts when a vaccination record was
  supplied. Two medicine conditions of one iteration are met by two different medicines (STOPP A3
  "two NSAIDs", STOPP M); a combination product counts once.
- measurements are lab values (LOINC through the knowledge base's LOINC index), the age (LOINC
  30525-0) and the sex (LOINC 76689-9); the latest value counts.
- a value with regex="true" is matched from the start of the code (every published one is a prefix);
  a blank value matches nothing. Durations: W = 7 days, M = 365.25/12 days, Y = 365.25 days.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ._context import ReviewContext
from ._dosage import daily_dose_mg
from ._errors import KnowledgeError
from ._i18n import fmt_date, fmt_number, word
from ._patient import Condition, Medication
from .detectors._base import Draft, join_evidence, prescribers_of, responsible

__all__ = ["CriteriaV2", "RuleV2", "load_criteria_v2", "V2_SET", "V2_SOURCE"]

V2_SET = "STOPP/START v2"
V2_SOURCE = ("Huibers CJA et al. Int J Med Inform 2019;125:110-117 (STOPP/START v2 algorithms in XML, "
             "doi:10.1016/j.ijmedinf.2018.12.010; LGPL-3 data)")

_TERMINOLOGIES = frozenset({"icpc1nl", "icpc2", "icd9", "icd10", "atc", "loinc"})
_OPERATORS = frozenset({"=", "!=", "<", ">"})
_INTERVAL_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12, "Y": 365.25}
_DOSE_UNIT_MG = {"MG": 1.0, "G": 1000.0}
_AGE_LOINC, _SEX_LOINC = "30525-0", "76689-9"
_SEVERITY = "moderate"  # v2 does not grade its criteria
_PCNE = {"stop": "C1.1", "start": "C1.5"}  # inappropriate drug / no treatment despite an indication (as the v3 set)
_SYSTEM_LABEL = {"icd10": "ICD-10", "icpc1nl": "ICPC", "icpc2": "ICPC", "icd9": "ICD-9", "atc": "ATC", "loinc": "LOINC"}


class _Unknown(Exception):
    """The data cannot say whether the condition holds."""


# -- the rule set as read --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Values:
    operator: str
    texts: tuple[str, ...]            # as published, for messages (a regex value ends in "*")
    exact: frozenset[str]
    pattern: re.Pattern[str] | None   # the regex values, one alternation anchored at the start

    def hit(self, code: str) -> bool:
        """True when the code is one of the values (before the operator is applied)."""
        return code in self.exact or (self.pattern is not None and self.pattern.match(code) is not None)

    def holds(self, code: str) -> bool:
        """The code against the values under = or != (codes)."""
        return self.hit(code) if self.operator == "=" else not self.hit(code)

    def compare(self, number: float) -> bool:
        """A number against the values under = != < >."""
        nums = [float(t) for t in self.texts]
        if self.operator == "=":
            return any(math.isclose(number, n) for n in nums)
        if self.operator == "!=":
            return all(not math.isclose(number, n) for n in nums)
        return all(number > n for n in nums) if self.operator == ">" else all(number < n for n in nums)

    def show(self) -> str:
        codes = list(dict.fromkeys(self.texts))
        text = ", ".join(codes[:8]) + (f" … (+{len(codes) - 8})" if len(codes) > 8 else "")
        return text if self.operator == "=" else f"{self.operator} {text}"


@dataclass(frozen=True)
class _Term:
    name: str
    values: _Values


@dataclass(frozen=True)
class _Amount:
    """frequency, duration, dose, age or result: a number (or word) compared with values."""

    values: _Values
    interval: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class _Item:
    """One episode, medicine or measurement, asked for or (negative) asked to be absent."""

    kind: str
    negative: bool
    terms: tuple[_Term, ...]
    frequency: _Amount | None = None
    duration: _Amount | None = None
    dose: _Amount | None = None
    active: bool | None = None
    age: _Amount | None = None
    result: _Amount | None = None
    systems: frozenset[str] = frozenset()

    def code_holds(self, system: str, code: str) -> bool:
        """True when every terminology of this system accepts the code (and there is at least one)."""
        return system in self.systems and all(t.values.holds(code) for t in self.terms if t.name == system)

    def show_codes(self) -> str:
        return "; ".join(f"{_SYSTEM_LABEL[t.name]} {t.values.show()}" for t in self.terms)

    @property
    def targets_vaccines(self) -> bool:
        return any(text.startswith("J07") for t in self.terms if t.name == "atc" for text in t.values.texts)


@dataclass(frozen=True)
class _Iteration:
    priority: int
    conditions: tuple[_Item, ...]
    actions: tuple[tuple[str, _Item], ...]
    order: tuple[int, ...]  # the selective conditions (diagnoses, measurements) first: most iterations stop there


@dataclass(frozen=True)
class RuleV2:
    """One published algorithm: its id ("STOPP B1"), English description and alternatives."""

    id: str
    description: str
    iterations: tuple[_Iteration, ...]

    @property
    def kind(self) -> str:
        """start → omission, stop → inappropriate (every published rule has one kind of action)."""
        return "omission" if any(t == "start" for it in self.iterations for t, _ in it.actions) else "inappropriate"


@dataclass(frozen=True)
class CriteriaV2:
    """The v2 algorithms of one XML file (`sha256` of its bytes); `detect` is a detector like those in mbo.detectors."""

    path: str
    sha256: str
    rules: tuple[RuleV2, ...]

    def detect(self, ctx: ReviewContext) -> list[Draft]:
        """Every rule that holds for the patient, as a finding (one per rule)."""
        view = _PatientView(ctx)
        return [d for rule in self.rules if (d := self._draft(ctx, view, rule)) is not None]

    def _draft(self, ctx: ReviewContext, view: _PatientView, rule: RuleV2) -> Draft | None:
        held = [(it, ev) for it in sorted(rule.iterations, key=lambda i: -i.priority)
                if (ev := view.iteration(it)) is not None]
        if not held:
            return None
        lang, kind = ctx.lang, rule.kind
        evidence = [e for _, ev in held for e in ev]
        meds: dict[str, Medication] = {}
        suggest: list[str] = []
        for it, _ in held:
            for typ, item in it.actions:
                if typ == "stop":
                    for m in view.medicines(item, view.in_use):
                        meds.setdefault(m.key, m)
                else:
                    suggest.extend(t for term in item.terms if term.name == "atc" for t in term.values.texts)
        if kind == "inappropriate" and not meds:
            return None  # nothing of the patient's to stop
        involved = tuple(sorted(meds.values(), key=lambda m: m.key))
        suggest = [s.rstrip("*") for s in dict.fromkeys(suggest)]
        rid = f"v2:{rule.id}"
        desc = rule.description
        if lang == "en":
            rationale = f"STOPP/START v2 algorithm {rule.id} (Huibers et al. 2018): “{desc}”"
        else:
            rationale = (f"STOPP/START v2-algoritme {rule.id} (Huibers et al. 2018); het XML-bestand heeft alleen "
                         f"een Engelse omschrijving: “{desc}”")
        if kind == "inappropriate":
            names = ", ".join(m.name for m in involved)
            advice = (f"Consider stopping or adapting {names}; compare with the STOPP/START v3 advice."
                      if lang == "en" else
                      f"Overweeg {names} te stoppen of aan te passen; vergelijk met het advies volgens STOPP/START v3.")
            who = prescribers_of(ctx, involved)
        else:
            codes = ", ".join(suggest)
            advice = (f"Consider starting a medicine from ATC {codes} unless contraindicated; compare with the "
                      "STOPP/START v3 advice." if lang == "en" else
                      f"Overweeg een middel uit ATC {codes} te starten, tenzij er een contra-indicatie is; vergelijk "
                      "met het advies volgens STOPP/START v3.")
            who = responsible(ctx, [])
        return Draft(kind=kind, severity=_SEVERITY, rule=rid, title=_title(desc),
                     rationale=join_evidence(ctx, rationale, evidence), recommendation=advice, meds=involved,
                     prescribers=who, sources=(V2_SOURCE, f"{Path(self.path).name}: rule {rule.id}"),
                     pcne=_PCNE["stop" if kind == "inappropriate" else "start"], suggest=tuple(suggest),
                     evidence=tuple(dict.fromkeys(evidence)), actions={m.key: "stop" for m in involved})


def _title(description: str) -> str:
    """The description without a closing parenthetical reason."""
    text = " ".join(description.split())
    short = re.sub(r"\s*\([^()]*\)\s*\.?\s*$", "", text).rstrip(" .")
    return short or text.rstrip(" .")


# -- evaluation on one patient ------------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    """A medicine or a vaccination as a medicine condition sees it."""

    key: str
    codes: tuple[str, ...]
    med: Medication | None
    given: date | None   # vaccinations: the date given
    text: str


def _canonical(system: str, code: str) -> str:
    """ICD-10 and ICPC codes without regard to the dot: I482 → I48.2, K9003 → K90.03."""
    code = "".join(code.split()).upper()
    if system in ("icd10", "icpc1nl", "icpc2"):
        code = code.replace(".", "")
        return f"{code[:3]}.{code[3:]}" if len(code) > 3 else code
    return code


class _PatientView:
    """The patient's episodes, medicines and measurements in the terms of the XML."""

    def __init__(self, ctx: ReviewContext) -> None:
        self.ctx = ctx
        p, kb, lang = ctx.patient, ctx.kb, ctx.lang
        renamed: dict[str, list[str]] = {}
        for old, new in kb.aliases.items():  # the XML may still use a code the WHO has since renamed
            renamed.setdefault(new, []).append(old)

        def codes(m: Medication) -> tuple[str, ...]:
            return m.codes + tuple(old for c in m.codes for old in renamed.get(c, ()))

        self.in_use = tuple(_Record(m.key, codes(m), m, None, ctx.facts.describe_med(m)) for m in ctx.meds)
        used = {m.key for m in ctx.meds}
        stopped: dict[str, Medication] = {}
        for m in p.medications:
            gone = not m.in_use or (m.stop is not None and m.stop < p.review_date)
            if m.resolved and gone and m.key not in used:
                stopped.setdefault(m.key, m)
        self.stopped = tuple(_Record(k, codes(m), m, None, ctx.facts.describe_med(m))
                             for k, m in sorted(stopped.items()))
        vaccines = getattr(kb, "vaccines", {})
        self.vaccinations = tuple(
            _Record(f"vaccination:{i}", tuple(sorted({a for vid in v.vaccines if vid in vaccines for a in vaccines[vid].atc})),
                    None, v.date, f"{v.text} {fmt_date(v.date, lang)}" if v.date else v.text)
            for i, v in enumerate(getattr(p, "vaccinations", ())))  # getattr: older Patient objects have none
        self.vaccination_record = bool(getattr(p, "vaccination_record", False))
        # episodes: (system, code, condition, shown)
        self.episodes: list[tuple[str, str, Condition, str]] = []
        via = "via kennisbank" if lang != "en" else "via knowledge base"
        for c in p.conditions:
            if c.code and c.system == "icd10":
                code = _canonical("icd10", c.code)
                self.episodes.append(("icd10", code, c, f"{c.text} (ICD-10 {code})"))
            elif c.code and c.system == "icpc":
                code = _canonical("icpc1nl", c.code)
                self.episodes.append(("icpc1nl", code, c, f"{c.text} (ICPC {code})"))
                self.episodes.append(("icpc2", code[:3], c, f"{c.text} (ICPC {code})"))
            else:
                narrow = [cid for cid in sorted(c.concepts)
                          if not any(cid != o and cid in kb.broader_closure[o] for o in c.concepts)]
                for code in sorted({_canonical("icpc1nl", i) for cid in narrow for i in kb.conditions[cid].icpc}):
                    shown = f"{c.text} (ICPC {code} {via})"
                    self.episodes.append(("icpc1nl", code, c, shown))
                    self.episodes.append(("icpc2", code[:3], c, shown))

    # conditions ----------------------------------------------------------------------------

    def iteration(self, it: _Iteration) -> list[str] | None:
        """The evidence when every condition holds, else None."""
        evidence: list[tuple[int, str]] = []
        wanted: list[tuple[int, list[tuple[_Record, str]]]] = []
        for i in it.order:
            item = it.conditions[i]
            try:
                found = self._find(item)
            except _Unknown:
                return None
            if item.negative:
                if found:
                    return None
                evidence.append((i, self._absent(item)))
            elif not found:
                return None
            elif item.kind == "medicine":
                wanted.append((i, found))
            else:
                evidence.extend((i, shown) for _, shown in found)
        wanted.sort(key=lambda w: w[0])
        chosen = _distinct([found for _, found in wanted])
        if chosen is None:
            return None
        evidence.extend((i, shown) for (i, _), (_, shown) in zip(wanted, chosen))
        return [shown for _, shown in sorted(evidence, key=lambda e: e[0])]

    def _absent(self, item: _Item) -> str:
        what = {"episode": ("geen diagnose", "no diagnosis"), "medicine": ("geen middel", "no medicine"),
                "measurement": ("geen meting", "no measurement")}[item.kind]
        return f"{what[1] if self.ctx.lang == 'en' else what[0]} {item.show_codes()}"

    def _find(self, item: _Item) -> list[tuple[Any, str]]:
        """What of the patient's meets the item (as if positive); raises _Unknown when the data cannot say."""
        if item.kind == "episode":
            return self._episodes(item)
        if item.kind == "measurement":
            return self._measurement(item)
        return self._medicine(item)

    def _episodes(self, item: _Item) -> list[tuple[Any, str]]:
        out: list[tuple[Any, str]] = []
        unknown = False
        seen: set[int] = set()
        for system, code, cond, shown in self.episodes:
            if system not in item.systems or id(cond) in seen or not item.code_holds(system, code):
                continue
            if item.active is not None and cond.active != item.active:
                continue
            if item.active is None and not cond.active:
                continue
            if item.frequency is not None:
                unknown = True  # a patient's list holds diagnoses, not counted episodes
                continue
            if item.duration is not None:
                if cond.onset is None:
                    unknown = True
                    continue
                if not item.duration.values.compare(_elapsed(cond.onset, self.ctx.patient.review_date, item.duration)):
                    continue
                shown = f"{shown} {word('since', self.ctx.lang)} {fmt_date(cond.onset, self.ctx.lang)}"
            seen.add(id(cond))
            out.append((cond, shown))
        if not out and unknown:
            raise _Unknown
        return out

    def _medicine(self, item: _Item) -> list[tuple[Any, str]]:
        pool: tuple[_Record, ...] = self.stopped if item.active is False else self.in_use
        if item.active is None or item.active:
            pool = pool + self.vaccinations
        matching = [r for r in pool if any(item.code_holds("atc", c) for c in r.codes)]
        if item.frequency is not None:
            return self._frequency(item, matching)
        out: list[tuple[Any, str]] = []
        unknown = False
        for r in matching:
            shown = r.text
            if item.duration is not None:
                start = r.med.start if r.med else r.given
                if start is None:
                    unknown = True
                    continue
                if not item.duration.values.compare(_elapsed(start, self.ctx.patient.review_date, item.duration)):
                    continue
            if item.dose is not None:
                daily = daily_dose_mg(r.med.dose, r.med.text) if r.med else None
                if daily is None or item.dose.interval != "D" or item.dose.unit not in _DOSE_UNIT_MG:
                    unknown = True
                    continue
                if not item.dose.values.compare(daily / _DOSE_UNIT_MG[item.dose.unit]):
                    continue
                shown = f"{shown}, {fmt_number(daily, self.ctx.lang)} mg/{'day' if self.ctx.lang == 'en' else 'dag'}"
            out.append((r, shown))
        if not out and (unknown or (item.targets_vaccines and not self.vaccination_record)):
            raise _Unknown
        return out

    def _frequency(self, item: _Item, matching: list[_Record]) -> list[tuple[Any, str]]:
        """How often in the last interval: only vaccinations have dates of each administration."""
        assert item.frequency is not None
        if any(r.med is not None or r.given is None for r in matching):
            raise _Unknown
        if not self.vaccination_record and not matching:
            raise _Unknown
        window = _INTERVAL_DAYS.get(item.frequency.interval or "", 0.0)
        recent = [r for r in matching if r.given is not None and (self.ctx.patient.review_date - r.given).days < window]
        if not item.frequency.values.compare(float(len(recent))):
            return []
        if recent:
            return [(r, r.text) for r in recent]
        none = f"{len(recent)}×"
        return [(_Record("frequency", (), None, None, none), none)]

    def _measurement(self, item: _Item) -> list[tuple[Any, str]]:
        codes = [t.values for t in item.terms if t.name == "loinc"]
        p, lang = self.ctx.patient, self.ctx.lang
        loincs = [t for v in codes if v.operator == "=" for t in v.texts]
        measured_any = False
        for loinc in loincs:
            if loinc == _AGE_LOINC:
                value: float | str = float(p.age)
                shown = f"{'age' if lang == 'en' else 'leeftijd'} {p.age}"
                measured = None
            elif loinc == _SEX_LOINC:
                if p.sex not in ("female", "male"):
                    continue
                value = p.sex.capitalize()
                shown = {"female": "vrouw", "male": "man"}[p.sex] if lang != "en" else p.sex
                measured = None
            else:
                test = self.ctx.kb.loinc_index.get(loinc)
                lab = p.latest_lab(test) if test else None
                if lab is None or test is None:
                    continue
                if item.result is not None and item.result.unit is not None:
                    unit = (lab.unit or self.ctx.kb.labs[test].unit).replace(" ", "").lower()
                    if unit != item.result.unit.replace(" ", "").lower():
                        continue
                value, shown, measured = lab.value, self.ctx.facts.describe_lab(lab), lab.date
            if item.age is not None and measured is None:
                continue  # how old the measurement is cannot be told
            measured_any = True
            if item.age is not None and measured is not None:
                if not item.age.values.compare(_elapsed(measured, p.review_date, item.age)):
                    continue
            if item.result is not None and not _result_holds(item.result.values, value):
                continue
            return [(loinc, shown)]
        if item.negative and not measured_any:
            raise _Unknown  # an absent measurement says nothing about its value
        return []

    # actions ---------------------------------------------------------------------------------

    def medicines(self, item: _Item, pool: tuple[_Record, ...]) -> Iterator[Medication]:
        """The patient's medicines an action names (with its duration or dose, where it has one)."""
        try:
            found = self._medicine(item)
        except _Unknown:
            return
        for r, _ in found:
            if isinstance(r, _Record) and r.med is not None and r in pool:
                yield r.med


def _result_holds(values: _Values, value: float | str) -> bool:
    if isinstance(value, str):
        hit = any(value.lower() == t.lower() for t in values.texts)
        return hit if values.operator == "=" else (not hit if values.operator == "!=" else False)
    try:
        return values.compare(value)
    except ValueError:
        return False


def _elapsed(since: date, until: date, amount: _Amount) -> float:
    return (until - since).days / _INTERVAL_DAYS[amount.interval or "D"]


def _distinct(wanted: list[list[tuple[_Record, str]]]) -> list[tuple[_Record, str]] | None:
    """One different medicine for each medicine condition (a small matching, by backtracking)."""

    def pick(i: int, used: frozenset[str]) -> list[tuple[_Record, str]] | None:
        if i == len(wanted):
            return []
        for record, shown in wanted[i]:
            if record.key not in used:
                rest = pick(i + 1, used | {record.key})
                if rest is not None:
                    return [(record, shown), *rest]
        return None

    return pick(0, frozenset())


# -- reading the XML ----------------------------------------------------------------------------


_CACHE: dict[tuple[str, int, int], CriteriaV2] = {}


def load_criteria_v2(path: str | os.PathLike[str]) -> CriteriaV2:
    """Read a STOPP/START v2 XML file (as published by Huibers et al.), once per file version.

        >>> rules = load_criteria_v2("stoppstart.xml")  # doctest: +SKIP
        >>> len(rules.rules)                              # doctest: +SKIP
        112

    Raises KnowledgeError naming the file when it is missing, not well-formed or not shaped as the schema.
    """
    where = str(path)
    try:
        st = os.stat(path)
        resolved = str(Path(path).resolve())
    except OSError as err:
        raise KnowledgeError(where, f"cannot read the criteria file: {err.strerror}") from None
    key = (resolved, st.st_mtime_ns, st.st_size)
    if key not in _CACHE:
        try:
            raw = Path(path).read_bytes()
        except OSError as err:
            raise KnowledgeError(where, f"cannot read the criteria file: {err.strerror}") from None
        try:
            # The default parser does not fetch or expand external entities.
            root = ET.fromstring(raw, parser=ET.XMLParser())
        except ET.ParseError as err:
            raise KnowledgeError(where, f"not well-formed XML: {err}") from None
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[key] = CriteriaV2(path=where, sha256=hashlib.sha256(raw).hexdigest(), rules=_rules(root, where))
    return _CACHE[key]


def _rules(root: ET.Element, where: str) -> tuple[RuleV2, ...]:
    if root.tag != "rules":
        raise KnowledgeError(where, f"the root element is <{root.tag}>, not <rules> (STOPP/START v2 XML expected)")
    rules: list[RuleV2] = []
    seen: set[str] = set()
    for el in root:
        if el.tag != "rule":
            continue
        rid = " ".join((el.get("id") or "").split())
        at = f"{where}: rule {rid or '?'}"
        if not rid:
            raise KnowledgeError(where, "a <rule> has no id")
        if rid in seen:
            raise KnowledgeError(where, f"rule {rid} appears twice")
        seen.add(rid)
        descriptions = {d.get("language", ""): " ".join((d.text or "").split()) for d in el.findall("description")}
        description = descriptions.get("en") or next(iter(descriptions.values()), "")
        if not description:
            raise KnowledgeError(at, "no <description>")
        iterations = tuple(_iteration(it, at) for it in el.findall("iteration"))
        if not iterations:
            raise KnowledgeError(at, "no <iteration>")
        rules.append(RuleV2(id=rid, description=description, iterations=iterations))
    if not rules:
        raise KnowledgeError(where, "no <rule> elements (STOPP/START v2 XML expected)")
    return tuple(rules)


def _iteration(el: ET.Element, at: str) -> _Iteration:
    try:
        priority = int(el.get("priority", ""))
    except ValueError:
        raise KnowledgeError(at, f"iteration priority {el.get('priority')!r} is not a whole number") from None
    at = f"{at}, iteration {priority}"
    conditions = []
    for cond in el.findall("condition"):
        children = list(cond)
        if len(children) != 1 or children[0].tag not in ("episode", "medicine", "measurement"):
            raise KnowledgeError(at, "a <condition> holds one <episode>, <medicine> or <measurement>")
        conditions.append(_item(children[0], at))
    actions = []
    for act in el.findall("action"):
        typ, med = act.get("type"), act.find("medicine")
        if typ not in ("start", "stop") or med is None:
            raise KnowledgeError(at, "an <action> needs type start or stop and a <medicine>")
        actions.append((typ, _item(med, at)))
    if not actions:
        raise KnowledgeError(at, "no <action>")
    rank = {"episode": 0, "measurement": 1, "medicine": 2}
    order = sorted(range(len(conditions)), key=lambda i: (conditions[i].negative, rank[conditions[i].kind]))
    return _Iteration(priority=priority, conditions=tuple(conditions), actions=tuple(actions), order=tuple(order))


def _item(el: ET.Element, at: str) -> _Item:
    terms = []
    for t in el.findall("terminology"):
        name = t.get("name", "")
        if name not in _TERMINOLOGIES:
            raise KnowledgeError(at, f"unknown terminology {name!r}")
        terms.append(_Term(name, _values(t.find("values"), name, at)))
    if not terms:
        raise KnowledgeError(at, f"<{el.tag}> without <terminology>")
    if el.tag == "measurement" and any(t.name != "loinc" for t in terms):
        raise KnowledgeError(at, "a measurement is coded in LOINC")

    def amount(tag: str) -> _Amount | None:
        sub = el.find(tag)
        if sub is None:
            return None
        interval = sub.get("interval")
        if tag != "result" and interval not in _INTERVAL_DAYS:
            raise KnowledgeError(at, f"<{tag}> interval {interval!r} is not Y, M, W or D")
        values = _values(sub.find("values"), tag, at)
        if tag != "result":
            try:
                [float(v) for v in values.texts]
            except ValueError:
                raise KnowledgeError(at, f"<{tag}> values are not numbers: {', '.join(values.texts)}") from None
        return _Amount(values=values, interval=interval, unit=sub.get("unit"))

    status = el.find("status")
    return _Item(kind=el.tag, negative=_bool(el.get("negative"), at), terms=tuple(terms),
                 frequency=amount("frequency"), duration=amount("duration"), dose=amount("dose"),
                 active=None if status is None else _bool(status.get("active", "true"), at),
                 age=amount("age"), result=amount("result"), systems=frozenset(t.name for t in terms))


def _values(el: ET.Element | None, system: str, at: str) -> _Values:
    if el is None:
        raise KnowledgeError(at, f"<{system}> without <values>")
    op = el.get("operator", "")
    if op not in _OPERATORS:
        raise KnowledgeError(at, f"operator {op!r} is not one of = != < >")
    exact: set[str] = set()
    patterns: list[str] = []
    texts: list[str] = []
    for v in el.findall("value"):
        text = (v.text or "").strip()
        if not text:
            continue  # a blank value (one is published in STOPP D1) matches nothing
        if _bool(v.get("regex"), at):
            try:
                re.compile(text)
            except re.error as err:
                raise KnowledgeError(at, f"value {text!r} is not a regular expression: {err}") from None
            patterns.append(f"(?:{text})")
            texts.append(f"{text}*")
        else:
            exact.add(_canonical(system, text))
            texts.append(text)
    if not texts and op not in ("=", "!="):
        raise KnowledgeError(at, "<values> without a value")
    pattern = re.compile("|".join(patterns)) if patterns else None
    return _Values(operator=op, texts=tuple(texts), exact=frozenset(exact), pattern=pattern)


def _bool(text: str | None, at: str) -> bool:
    if text is None or text in ("false", "0"):
        return False
    if text in ("true", "1"):
        return True
    raise KnowledgeError(at, f"{text!r} is not true or false")

