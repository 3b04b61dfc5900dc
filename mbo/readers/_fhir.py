"""Reading a FHIR R4 Bundle (collection or transaction) into raw patient records.

Only the resources a review needs are read (Patient, Practitioner, PractitionerRole, Condition,
Observation, MedicationRequest, MedicationStatement, Medication, Immunization); encounters, claims and the rest
of a real export are passed over.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import ValidationError

from .._dosage import Dosage, render_dosage
from .._errors import InputError
from .._knowledge import Knowledge
from .._patient import MedStatus, Patient, Prescriber
from ._common import (RawCondition, RawLab, RawMedication, RawVaccination, build_patient, parse_date, parse_number,
                      parse_sex)

__all__ = ["read_fhir_bundle"]

ATC_SYSTEMS = ("http://www.whocc.no/atc", "urn:oid:2.16.840.1.113883.6.73")
RXNORM_SYSTEMS = ("http://www.nlm.nih.gov/research/umls/rxnorm",)
LOINC = "http://loinc.org"
CONDITION_SYSTEMS = {
    "http://hl7.org/fhir/sid/icd-10": "icd10", "http://hl7.org/fhir/sid/icd-10-nl": "icd10",
    "http://hl7.org/fhir/sid/icd-10-cm": "icd10", "urn:oid:2.16.840.1.113883.6.3": "icd10",
    "http://snomed.info/sct": "snomed", "http://hl7.org/fhir/sid/icpc-2": "icpc",
    "urn:oid:2.16.840.1.113883.2.4.4.31.1": "icpc", "http://hl7.org/fhir/sid/icpc": "icpc",
}
# FHIR medication statuses → the engine's; orders in error are not medicines the patient takes.
_STATUS: dict[str, MedStatus] = {
    "active": "active", "on-hold": "on-hold", "intended": "active", "draft": "active", "unknown": "unknown",
    "stopped": "stopped", "completed": "completed", "cancelled": "stopped", "not-taken": "stopped",
}
_INACTIVE_CLINICAL = {"inactive", "remission", "resolved"}
# What reading a resource of the wrong shape raises; each becomes an InputError naming the resource.
_SHAPE_ERRORS = (AttributeError, TypeError, KeyError, IndexError, ValueError, ValidationError)


def read_fhir_bundle(kb: Knowledge, data: Mapping[str, Any], source: str, *, review_date: date | None,
                     birth_date: date | None = None, sex: str | None = None) -> Patient:
    """A Patient from a FHIR R4 Bundle; review date: the argument, else the Bundle timestamp, else today."""
    if data.get("resourceType") != "Bundle":
        raise InputError(source, "resourceType", f"expected a FHIR Bundle, got {data.get('resourceType')!r}")
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise InputError(source, "Bundle.entry", "must be a list")
    resources: list[tuple[str, dict[str, Any]]] = []
    by_ref: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(entries):
        res = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(res, Mapping):
            continue
        where = f"Bundle.entry[{i}].resource"
        rtype = res.get("resourceType")
        resources.append((where, dict(res)))
        if entry.get("fullUrl"):
            by_ref[str(entry["fullUrl"])] = dict(res)
        if res.get("id"):
            by_ref[f"{rtype}/{res['id']}"] = dict(res)
    review = review_date or parse_date(data.get("timestamp"), source, "Bundle.timestamp") or date.today()
    patients = [(w, r) for w, r in resources if r.get("resourceType") == "Patient"]
    if not patients:
        raise InputError(source, "Patient", "the Bundle holds no Patient resource")
    _, patient = patients[0]
    born = birth_date or parse_date(patient.get("birthDate"), source, "Patient.birthDate")
    try:
        prescribers = _prescribers(resources, by_ref)
    except _SHAPE_ERRORS as err:
        raise InputError(source, "Practitioner", f"not shaped as FHIR R4 expects ({_shape_problem(err)})") from None
    read: dict[str, list[Any]] = {"meds": [], "conditions": [], "labs": [], "vaccinations": []}
    for where, res in resources:
        rtype = res.get("resourceType")
        label = f"{rtype}/{res.get('id')}" if res.get("id") else where
        try:
            if rtype in ("MedicationRequest", "MedicationStatement"):
                read["meds"].append(_medication(res, label, by_ref, prescribers, source))
            elif rtype == "Condition":
                read["conditions"].append(_condition(res, label, source))
            elif rtype == "Observation":
                read["labs"].append(_observation(kb, res, label, source))
            elif rtype == "Immunization":
                read["vaccinations"].append(_immunization(res, label, source))
        except _SHAPE_ERRORS as err:
            raise InputError(source, label, f"not shaped as FHIR R4 expects ({_shape_problem(err)})") from None
    meds, conditions, labs, vaccinations = ([x for x in read[k] if x is not None]
                                            for k in ("meds", "conditions", "labs", "vaccinations"))
    has_record = any(r.get("resourceType") == "Immunization" for _, r in resources)
    return build_patient(kb, source, patient_id=_str(patient.get("id")), birth_date=born,
                         sex=parse_sex(sex or patient.get("gender")), review_date=review, meds=meds,
                         conditions=conditions, labs=labs, birth_date_field="Patient.birthDate",
                         vaccinations=vaccinations if has_record else None)


def _shape_problem(err: Exception) -> str:
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        return f"{'.'.join(str(x) for x in first['loc'])}: {first['msg']}"
    return f"{type(err).__name__}: {err}"


def _str(value: object) -> str | None:
    """A FHIR string element as text (None when absent)."""
    return None if value is None or isinstance(value, (dict, list)) else str(value)


def _text_of(concept: Mapping[str, Any] | None) -> str:
    if not concept:
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding") or []:
        if coding.get("display"):
            return str(coding["display"])
    return ""


def _codes(concept: Mapping[str, Any] | None, systems: tuple[str, ...]) -> list[str]:
    return [str(c["code"]) for c in (concept or {}).get("coding") or [] if c.get("system") in systems and c.get("code")]


def _contact(res: Mapping[str, Any]) -> str | None:
    """The first phone number (a work one first), else the first e-mail address, in a telecom list."""
    points = [t for t in res.get("telecom") or [] if isinstance(t, Mapping) and _str(t.get("value"))
              and t.get("system") in ("phone", "email")]
    points.sort(key=lambda t: (t.get("system") != "phone", t.get("use") != "work"))
    return _str(points[0]["value"]) if points else None


def _prescribers(resources: list[tuple[str, dict[str, Any]]], by_ref: Mapping[str, Any]) -> dict[str, Prescriber]:
    specialty_of: dict[str, str] = {}
    contact_of: dict[str, str] = {}
    for _, res in resources:
        if res.get("resourceType") == "PractitionerRole":
            ref = (res.get("practitioner") or {}).get("reference")
            spec = next((_text_of(s) for s in res.get("specialty") or [] if _text_of(s)), None)
            if ref and spec:
                specialty_of[ref] = spec
            if ref and (contact := _contact(res)):
                contact_of[ref] = contact
    out: dict[str, Prescriber] = {}
    for ref, res in by_ref.items():
        if res.get("resourceType") != "Practitioner":
            continue
        names = res.get("name") or [{}]
        first = names[0] if names else {}
        name = first.get("text") or " ".join([*(first.get("prefix") or []), *(first.get("given") or []), first.get("family") or ""]).strip()
        spec = next((_text_of(q.get("code")) for q in res.get("qualification") or [] if _text_of(q.get("code"))), None)
        pid = str(res.get("id") or ref)
        out[ref] = Prescriber(id=pid, name=name or None, specialty=spec or specialty_of.get(ref)
                              or specialty_of.get(f"Practitioner/{pid}"),
                              contact=_contact(res) or contact_of.get(ref) or contact_of.get(f"Practitioner/{pid}"))
    return out


def _medication(res: Mapping[str, Any], label: str, by_ref: Mapping[str, Any], prescribers: Mapping[str, Prescriber],
                source: str) -> RawMedication | None:
    status = str(res.get("status") or "unknown")
    if status == "entered-in-error":
        return None
    concept = res.get("medicationCodeableConcept")
    if concept is None and res.get("medicationReference"):
        ref = str(res["medicationReference"].get("reference", ""))
        contained = {f"#{c.get('id')}": c for c in res.get("contained") or []}
        medication = contained.get(ref) or by_ref.get(ref) or {}
        concept = medication.get("code")
    if not concept:
        raise InputError(source, f"{label}.medication", "names no medicine (no medicationCodeableConcept or Medication)")
    is_request = res.get("resourceType") == "MedicationRequest"
    period = res.get("effectivePeriod") or {}
    validity = (res.get("dispenseRequest") or {}).get("validityPeriod") or {}
    start_field = f"{label}.authoredOn" if is_request else f"{label}.effectivePeriod.start"
    start = parse_date(res.get("authoredOn") if is_request else (period.get("start") or res.get("effectiveDateTime")),
                       source, start_field)
    stop = parse_date(validity.get("end") if is_request else period.get("end"), source,
                      f"{label}.dispenseRequest.validityPeriod.end" if is_request else f"{label}.effectivePeriod.end")
    if stop is None and not is_request and status == "stopped":
        stop = parse_date(res.get("dateAsserted"), source, f"{label}.dateAsserted")
    if start and stop and stop < start:
        raise InputError(source, f"{label}.{'dispenseRequest.validityPeriod' if is_request else 'effectivePeriod'}",
                         f"end {stop} lies before start {start}")
    who = (res.get("requester") if is_request else res.get("informationSource")) or {}
    dosage = (res.get("dosageInstruction") if is_request else res.get("dosage")) or []
    reason = next((_text_of(r) for r in res.get("statusReason") or [] if _text_of(r)), None) if isinstance(
        res.get("statusReason"), list) else (_text_of(res.get("statusReason")) or None)
    return RawMedication(
        where=label, text=_text_of(concept), atc=next(iter(_codes(concept, ATC_SYSTEMS)), None),
        rxnorm=tuple(_codes(concept, RXNORM_SYSTEMS)), dose=_dose_text(dosage),
        prescriber=prescribers.get(str(who.get("reference", ""))), start=start, stop=stop,
        status=_STATUS.get(status, "unknown"), stop_reason=reason,
    )


_PERIOD_UNITS = {"h": "h", "d": "d", "wk": "wk", "mo": "mo"}


def _dose_text(dosage: list[Mapping[str, Any]]) -> str | None:
    """The instruction text, or a canonical Dutch one composed from structured timing and dose."""
    texts = [str(d["text"]) for d in dosage if d.get("text")]
    if texts:
        return "; ".join(texts)
    parts = []
    for d in dosage:
        repeat = ((d.get("timing") or {}).get("repeat") or {})
        dose = next((r.get("doseQuantity") for r in d.get("doseAndRate") or [] if r.get("doseQuantity")), None) or {}
        structured = Dosage(text="", parsed=True, dose=_float(dose.get("value")), unit=_str(dose.get("unit")),
                            frequency=_float(repeat.get("frequency")), period=_float(repeat.get("period")),
                            period_unit=_PERIOD_UNITS.get(str(repeat.get("periodUnit"))),
                            as_needed=d.get("asNeededBoolean") is True)
        text = render_dosage(structured)
        if text:
            parts.append(text)
    return "; ".join(parts) or None


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _condition(res: Mapping[str, Any], label: str, source: str) -> RawCondition | None:
    verification = _code_of(res.get("verificationStatus"))
    if verification in ("entered-in-error", "refuted"):
        return None
    clinical = _code_of(res.get("clinicalStatus"))
    concept = res.get("code") or {}
    codings = [(CONDITION_SYSTEMS[c["system"]], str(c["code"])) for c in concept.get("coding") or []
               if c.get("system") in CONDITION_SYSTEMS and c.get("code")]
    onset = parse_date(res.get("onsetDateTime") or (res.get("onsetPeriod") or {}).get("start"), source,
                       f"{label}.onsetDateTime")
    active = clinical not in _INACTIVE_CLINICAL and not res.get("abatementDateTime")
    text = _text_of(concept) or (codings[0][1] if codings else "")
    system, code = codings[0] if codings else (None, None)
    return RawCondition(text=text, system=system, code=code, onset=onset, active=active, codings=codings)


VACCINE_SYSTEMS = {"http://hl7.org/fhir/sid/cvx": "cvx", "http://snomed.info/sct": "snomed",
                   "http://www.whocc.no/atc": "atc"}


def _immunization(res: Mapping[str, Any], label: str, source: str) -> RawVaccination | None:
    if res.get("status") in ("entered-in-error", "not-done"):
        return None
    concept = res.get("vaccineCode") or {}
    coding = next(((VACCINE_SYSTEMS[c["system"]], str(c["code"])) for c in concept.get("coding") or []
                   if c.get("system") in VACCINE_SYSTEMS and c.get("code")), (None, None))
    when = parse_date(res.get("occurrenceDateTime"), source, f"{label}.occurrenceDateTime")
    return RawVaccination(text=_text_of(concept), system=coding[0], code=coding[1], date=when)


def _code_of(concept: Mapping[str, Any] | None) -> str | None:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("code"):
            return str(coding["code"])
    return None


def _observation(kb: Knowledge, res: Mapping[str, Any], label: str, source: str) -> RawLab | None:
    if res.get("status") in ("entered-in-error", "cancelled"):
        return None
    test = next((kb.loinc_index[c] for c in _codes(res.get("code"), (LOINC,)) if c in kb.loinc_index), None)
    if test is None:
        return None
    quantity = res.get("valueQuantity")
    if quantity is not None:
        value = parse_number(quantity.get("value"), source, f"{label}.valueQuantity.value")
        unit = _str(quantity.get("unit") or quantity.get("code"))
    elif "valueString" in res:
        value, unit = parse_number(res["valueString"], source, f"{label}.valueString"), None
    else:
        return None
    when = parse_date(res.get("effectiveDateTime") or (res.get("effectivePeriod") or {}).get("start")
                      or res.get("issued"), source, f"{label}.effectiveDateTime")
    return RawLab(where=label, test=test, value=value, unit=unit, date=when)
