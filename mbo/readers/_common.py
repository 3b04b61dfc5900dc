"""What every reader shares: dates, raw records and the step from raw records to a Patient."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from datetime import date, datetime
from typing import TypeVar

from pydantic import ValidationError

from .._egfr import ckd_epi_2021
from .._errors import InputError
from .._knowledge import Knowledge
from .._patient import Condition, LabValue, Medication, MedStatus, Patient, Prescriber, Sex, Vaccination
from .._resolve import resolve_medicine

__all__ = ["RawMedication", "RawCondition", "RawLab", "RawVaccination", "parse_date", "parse_number", "build_patient",
           "parse_sex"]

_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def parse_date(value: object, source: str, where: str) -> date | None:
    """A date from ISO text (date or date-time) or Dutch dd-mm-yyyy; None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if len(text) == 4 and text.isdigit():
            return date(int(text), 7, 1)
        if len(text) == 7 and text[4] == "-":
            return date(int(text[:4]), int(text[5:7]), 15)
        if len(text) >= 10 and text[4] == "-":
            return date.fromisoformat(text[:10])
        m = _DMY.match(text)
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        pass
    raise InputError(source, where, f"{text!r} is not a date (use YYYY-MM-DD)")


def parse_number(value: object, source: str, where: str) -> float:
    """A number from a JSON number or text with a decimal comma or point."""
    if isinstance(value, bool):
        raise InputError(source, where, f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        raise InputError(source, where, f"{value!r} is not a number") from None


def parse_sex(value: object) -> Sex:
    text = str(value or "").strip().lower()
    if text in ("f", "v", "female", "vrouw", "woman"):
        return "female"
    if text in ("m", "male", "man"):
        return "male"
    return "unknown"


@dataclass
class RawMedication:
    """A medicine as a source states it, before resolution."""

    where: str
    text: str
    atc: str | None = None
    rxnorm: tuple[str, ...] = ()
    dose: str | None = None
    prescriber: Prescriber | None = None
    start: date | None = None
    stop: date | None = None
    status: MedStatus = "active"
    stop_reason: str | None = None


@dataclass
class RawCondition:
    text: str
    system: str | None = None
    code: str | None = None
    onset: date | None = None
    active: bool = True
    codings: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class RawVaccination:
    text: str
    system: str | None = None
    code: str | None = None
    date: date | None = None


@dataclass
class RawLab:
    where: str
    test: str
    value: float
    unit: str | None
    date: date | None


def build_patient(kb: Knowledge, source: str, *, patient_id: str | None, birth_date: date | None, sex: Sex,
                  review_date: date, meds: list[RawMedication], conditions: list[RawCondition],
                  labs: list[RawLab], birth_date_field: str,
                  vaccinations: list[RawVaccination] | None = None) -> Patient:
    """Resolve and check raw records into a Patient; InputError names the file and the field.

    `vaccinations` None means the source holds no vaccination record (rules on vaccinations stay silent).
    """
    if birth_date is None:
        raise InputError(source, birth_date_field, "the birth date is missing (needed for age-based criteria)")
    if birth_date > review_date:
        raise InputError(source, birth_date_field, f"birth date {birth_date} lies after the review date {review_date}")
    if not meds:
        raise InputError(source, "medications", "the medication list is empty: nothing to review")
    medications = tuple(_checked(source, m.where, partial(_medication, kb, source, m)) for m in meds)
    return _checked(source, "Patient", lambda: Patient(
        id=patient_id, birth_date=birth_date, sex=sex, review_date=review_date, medications=medications,
        conditions=_conditions(kb, conditions), labs=_labs(kb, labs, birth_date, sex, review_date), source=source,
        vaccinations=tuple(Vaccination(text=v.text, vaccines=kb.vaccines_of(v.system, v.code, v.text), date=v.date)
                           for v in vaccinations or []),
        vaccination_record=vaccinations is not None,
    ))


T = TypeVar("T")


def _checked(source: str, where: str, make: Callable[[], T]) -> T:
    """Build a model; a value of the wrong kind becomes an InputError naming the record and the field."""
    try:
        return make()
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(x) for x in first["loc"])
        raise InputError(source, f"{where}.{field}" if field else where, first["msg"]) from None


def _medication(kb: Knowledge, source: str, raw: RawMedication) -> Medication:
    if raw.start and raw.stop and raw.stop < raw.start:
        raise InputError(source, f"{raw.where}.stop", f"stop date {raw.stop} lies before start date {raw.start}")
    text = raw.text.strip() or raw.atc or (f"RxNorm {raw.rxnorm[0]}" if raw.rxnorm else "")
    if not text:
        raise InputError(source, raw.where, "a medicine without a name or code")
    res = resolve_medicine(kb, text, atc=raw.atc, rxnorm=raw.rxnorm)
    name = kb.substance_name(res.atc, "nl") if res.atc else (
        " + ".join(kb.substance_name(c) for c in res.components) if res.components else text)
    return Medication(text=text, atc=res.atc, components=res.components, name=name, resolved_by=res.resolved_by,
                      dose=raw.dose, prescriber=raw.prescriber, start=raw.start, stop=raw.stop, status=raw.status,
                      stop_reason=raw.stop_reason, source=source)


def _conditions(kb: Knowledge, raws: list[RawCondition]) -> tuple[Condition, ...]:
    seen: dict[tuple[object, ...], Condition] = {}
    for raw in raws:
        concepts: frozenset[str] = frozenset()
        for system, code in raw.codings or [(raw.system or "", raw.code or "")]:
            concepts |= kb.condition_concepts(system or None, code or None, None)
        if not concepts:
            concepts = kb.condition_concepts(None, None, raw.text)
        cond = Condition(text=raw.text, code=raw.code, system=raw.system, concepts=concepts, onset=raw.onset,
                         active=raw.active)
        key = (tuple(sorted(concepts)) or raw.text.lower(), raw.active)
        prior = seen.get(key)
        if prior is None or (cond.onset and (prior.onset is None or cond.onset < prior.onset)):
            seen[key] = cond
    return tuple(sorted(seen.values(), key=lambda c: (c.text.lower(), c.onset or date.min, c.active)))


def _labs(kb: Knowledge, raws: list[RawLab], birth_date: date, sex: Sex, review_date: date) -> tuple[LabValue, ...]:
    labs = [_lab(kb, raw) for raw in raws]
    derived = _egfr_from_creatinine(labs, birth_date, sex, review_date)
    return tuple(sorted(labs + derived, key=lambda lab: (lab.test, lab.date or date.min, lab.value)))


def _lab(kb: Knowledge, raw: RawLab) -> LabValue:
    test = kb.labs[raw.test]
    unit = (raw.unit or "").replace("µ", "u").replace("μ", "u").replace("{1.73_m2}", "1.73m2").replace("/1.73 m2", "/1.73m2")
    for from_unit, factor in test.convert.items():
        if unit.lower() == from_unit.lower():
            return LabValue(test=raw.test, value=round(raw.value * factor, 2), unit=test.unit, date=raw.date,
                            derived_from=f"{raw.value:g} {raw.unit}")
    return LabValue(test=raw.test, value=raw.value, unit=unit or test.unit, date=raw.date)


def _egfr_from_creatinine(labs: list[LabValue], birth_date: date, sex: Sex, review_date: date) -> list[LabValue]:
    creatinine = [lab for lab in labs if lab.test == "creatinine"]
    if not creatinine or sex == "unknown":
        return []
    latest = max(creatinine, key=lambda lab: lab.date or date.min)
    reported = [lab for lab in labs if lab.test == "egfr" and (lab.date or date.min) >= (latest.date or date.min)]
    if reported:
        return []
    on = latest.date or review_date
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    value = round(ckd_epi_2021(latest.value, age, female=sex == "female"), 1)
    return [LabValue(test="egfr", value=value, unit="mL/min/1.73m2", date=latest.date,
                     derived_from=f"CKD-EPI 2021, creatinine {latest.value:g} umol/L")]
