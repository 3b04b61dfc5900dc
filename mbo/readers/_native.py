"""The native patient format: YAML or JSON a pharmacist can write by hand.

`mbo schema` prints its JSON Schema. Example::

    patient: {id: "pt-001", birth_date: 1941-03-02, sex: female}
    review_date: 2026-11-01
    conditions:
      - {text: atriumfibrilleren, code: I48.9, system: icd10, onset: 2019-05-01}
    labs:
      - {test: egfr, value: 38, date: 2026-10-20}
    medications:
      - {name: "Selokeen ZOC 47,5 mg", dose: "1 dd 1", prescriber: cardioloog, start: 2019-05-10}
"""

from __future__ import annotations

from collections.abc import Mapping
import datetime as dt
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._errors import InputError
from .._knowledge import Knowledge
from .._patient import Patient, Prescriber
from ._common import RawCondition, RawLab, RawMedication, RawVaccination, build_patient, parse_number, parse_sex

__all__ = ["NativePatientFile", "read_native", "native_schema"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NativePerson(_Strict):
    id: str | None = Field(None, description="A pseudonymous key; never a name or BSN.")
    birth_date: date | None = Field(None, description="YYYY-MM-DD.")
    sex: Literal["female", "male", "unknown", "F", "M", "V"] = "unknown"


class NativePrescriber(_Strict):
    id: str
    name: str | None = None
    specialty: str | None = Field(None, description="E.g. huisarts, cardioloog, geriater.")
    contact: str | None = Field(None, description="A work phone number or e-mail address, shown in letters.")


class NativeCondition(_Strict):
    text: str | None = Field(None, description="The diagnosis as written (Dutch or English).")
    code: str | None = None
    system: Literal["icd10", "icpc", "snomed"] | None = None
    onset: date | None = None
    active: bool = True


class NativeLab(_Strict):
    test: str = Field(description="A lab id (egfr, potassium, sodium, creatinine, ...) or a LOINC code.")
    value: float | str
    unit: str | None = None
    date: dt.date | None = None


class NativeVaccination(_Strict):
    vaccine: str = Field(description="As written (\"griepprik\"), or a code with `system`.")
    system: Literal["cvx", "atc", "snomed"] | None = None
    date: dt.date | None = None


class NativeMedication(_Strict):
    name: str | None = Field(None, description="As written: generic name, Dutch brand, with strength and form.")
    atc: str | None = None
    rxnorm: str | None = None
    dose: str | None = Field(None, description='Dosing instructions as written, e.g. "2 dd 500 mg".')
    prescriber: str | None = Field(None, description="A prescriber id from `prescribers`, or a specialty.")
    start: date | None = None
    stop: date | None = None
    status: Literal["active", "on-hold", "stopped", "completed", "unknown"] = "active"
    stop_reason: str | None = None


class NativePatientFile(_Strict):
    """A patient for `mbo review`: who, what they have, what they take."""

    patient: NativePerson
    review_date: date | None = None
    prescribers: list[NativePrescriber] = []
    conditions: list[NativeCondition] = []
    labs: list[NativeLab] = []
    vaccinations: list[NativeVaccination] | None = Field(
        None, description="The vaccination record; leave out when unknown (an empty list says: none given).")
    medications: list[NativeMedication]


def native_schema() -> dict[str, Any]:
    """The JSON Schema of the native patient format."""
    return NativePatientFile.model_json_schema()


def read_native(kb: Knowledge, data: Mapping[str, Any], source: str, *, review_date: date | None,
                birth_date: date | None = None, sex: str | None = None) -> Patient:
    """A Patient from native-format data (already parsed from YAML or JSON)."""
    try:
        doc = NativePatientFile.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in first["loc"]).lstrip(".")
        raise InputError(source, loc or "(top)", first["msg"]) from None
    prescribers = {p.id: Prescriber(id=p.id, name=p.name, specialty=p.specialty, contact=p.contact) for p in doc.prescribers}
    meds = []
    for i, m in enumerate(doc.medications):
        who = prescribers.get(m.prescriber or "") or (Prescriber(id=m.prescriber, specialty=m.prescriber) if m.prescriber else None)
        meds.append(RawMedication(where=f"medications[{i}]", text=m.name or m.atc or m.rxnorm or "", atc=m.atc,
                                  rxnorm=(m.rxnorm,) if m.rxnorm else (), dose=m.dose, prescriber=who, start=m.start,
                                  stop=m.stop, status=m.status, stop_reason=m.stop_reason))
    conditions = [RawCondition(text=c.text or c.code or "", system=c.system, code=c.code, onset=c.onset, active=c.active)
                  for c in doc.conditions]
    labs = []
    for i, lab in enumerate(doc.labs):
        test = lab.test if lab.test in kb.labs else kb.loinc_index.get(lab.test)
        if test is None:
            raise InputError(source, f"labs[{i}].test", f"unknown lab test {lab.test!r} (use {', '.join(sorted(kb.labs))} or a LOINC code)")
        labs.append(RawLab(where=f"labs[{i}]", test=test, value=parse_number(lab.value, source, f"labs[{i}].value"),
                           unit=lab.unit, date=lab.date))
    return build_patient(kb, source, patient_id=doc.patient.id, birth_date=birth_date or doc.patient.birth_date,
                         sex=parse_sex(sex or doc.patient.sex), review_date=review_date or doc.review_date or date.today(),
                         meds=meds, conditions=conditions, labs=labs, birth_date_field="patient.birth_date",
                         vaccinations=None if doc.vaccinations is None else [
                             RawVaccination(text=v.vaccine, system=v.system, code=v.vaccine if v.system else None, date=v.date)
                             for v in doc.vaccinations])

