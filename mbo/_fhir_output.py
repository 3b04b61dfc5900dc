"""FHIR R4 output: the review as a Bundle, and reading such a Bundle back.

    Bundle (collection, timestamp = review date, language = the review's)
    ├── Patient              gender, the input's patient id as identifier
    ├── Device               mbo, the knowledge base's version and hash and the explicit criteria applied
    │                        (extension `criteria`: set, file, sha256, rules): the author of every issue
    ├── Practitioner         one per prescriber named: name, specialty (qualification), contact (telecom)
    ├── Condition            the active conditions, with the knowledge concept as a coding
    ├── MedicationStatement  one per entry of the reconciled list; reasonReference → the Conditions it treats
    ├── List                 the reconciled list; each entry's flag is the proposed action
    └── DetectedIssue        one per finding: code (kind, HL7 ActCode where one fits, rule, PCNE), severity,
                             implicated → MedicationStatements, evidence, detail (the rationale),
                             mitigation (the recommendation, then one proposed action per medicine)

Ids are name-based UUIDs, so the same review gives the same Bundle. What FHIR has no element for
(superseded rules, suggestions, prescribers to act, sources, the medicine's input text, a condition's
lay name) travels in extensions under `urn:mbo:fhir:`. The Bundle validates against the R4B models of
`fhir.resources`, and `from_fhir` reads back the same findings, list and conditions.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any, NamedTuple

from ._errors import InputError, RenderError
from ._i18n import word
from ._review import ConditionEntry, Finding, MedicationEntry, Review

__all__ = ["to_fhir", "from_fhir", "validate_fhir", "FhirReview", "MBO_URI"]

MBO_URI = "urn:mbo:fhir"
ATC = "http://www.whocc.no/atc"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_CONDITION_SYSTEMS = {"icd10": "http://hl7.org/fhir/sid/icd-10", "snomed": "http://snomed.info/sct",
                      "icpc": "http://hl7.org/fhir/sid/icpc-2"}
# Finding kinds that HL7's detected-issue codes (v3 ActCode) name as well.
_ACT = {"interaction": ("DRG", "Drug Interaction Alert"), "contraindication": ("COND", "Condition Alert"),
        "dose": ("DOSE", "Dosage problem"), "duplication": ("DUPTHPY", "Duplicate Therapy Alert"),
        "inappropriate": ("AGE", "Age Alert")}
# The reconciled list's statuses as MedicationStatement.status ("proposed" is what FHIR calls intended).
_STATUS = {"active": "active", "on-hold": "on-hold", "stopped": "stopped", "completed": "completed",
           "unknown": "unknown", "proposed": "intended"}
_STATUS_BACK = {v: k for k, v in _STATUS.items()}


def _s(name: str) -> str:
    return f"{MBO_URI}:{name}"


class FhirReview(NamedTuple):
    """What `from_fhir` reads back: the findings, the reconciled list and the conditions."""

    findings: list[Finding]
    medications: list[MedicationEntry]
    conditions: list[ConditionEntry]


def to_fhir(review: Review, *, validate: bool = True) -> dict[str, Any]:
    """The review as a FHIR R4 Bundle (JSON-ready dict), checked against the R4B models unless `validate=False`.

        >>> bundle = to_fhir(mbo.review("patient.json"))  # doctest: +SKIP
        >>> [e["resource"]["resourceType"] for e in bundle["entry"]][:2]  # doctest: +SKIP
        ['Patient', 'Device']
    """
    lang = review.language
    seed = f"{review.source}|{review.patient.id}|{review.review_date}|{review.knowledge.hash}|{lang}"
    if review.knowledge.criteria.sha256:  # other explicit criteria (a v2 XML): other resources, other ids
        seed += f"|{review.knowledge.criteria.sha256}"

    def url(kind: str, key: str) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{MBO_URI}|{seed}|{kind}|{key}')}"

    def ref(full: str, display: str | None = None) -> dict[str, Any]:
        return {"reference": full, **({"display": display} if display else {})}

    entries: list[dict[str, Any]] = []

    def add(full: str, resource: dict[str, Any]) -> None:
        resource["id"] = full.removeprefix("urn:uuid:")
        entries.append({"fullUrl": full, "resource": resource})

    patient = url("patient", "")
    add(patient, {"resourceType": "Patient",
                  **({"identifier": [{"system": _s("patient"), "value": review.patient.id}]} if review.patient.id else {}),
                  "gender": review.patient.sex})
    device = url("device", "")
    from . import __version__

    add(device, _device(review, __version__))
    practitioners = {p.label: url("prescriber", p.label) for p in review.prescribers}
    for p in review.prescribers:
        res: dict[str, Any] = {"resourceType": "Practitioner", "identifier": [{"system": _s("prescriber"), "value": p.label}],
                               "name": [{"text": p.name or p.label}]}
        if p.contact:
            res["telecom"] = [{"system": "email" if "@" in p.contact else "phone", "value": p.contact}]
        if p.specialty:
            res["qualification"] = [{"code": {"text": p.specialty}}]
        add(practitioners[p.label], res)
    conditions = {c.id: url("condition", c.id) for c in review.conditions}
    for c in review.conditions:
        codings = []
        if c.code and c.system in _CONDITION_SYSTEMS:
            codings.append({"system": _CONDITION_SYSTEMS[c.system], "code": c.code})
        if c.concept:
            codings.append({"system": _s("condition"), "code": c.concept, "display": c.name})
        add(conditions[c.id], {
            "resourceType": "Condition",
            **({"extension": [{"url": _s("lay-name"), "valueString": c.lay_name}]} if c.lay_name else {}),
            "identifier": [{"system": _s("condition-entry"), "value": c.id}],
            "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
            "code": {**({"coding": codings} if codings else {}), "text": c.text}, "subject": ref(patient),
            **({"onsetDateTime": c.onset.isoformat()} if c.onset else {})})
    statements = {m.id: url("medication", m.id) for m in review.medications}
    for m in review.medications:
        add(statements[m.id], _statement(m, review, patient, practitioners, conditions, statements))
    add(url("list", ""), {
        "resourceType": "List", "status": "current", "mode": "working",
        "title": "Reconciled medication list" if lang == "en" else "Medicatieoverzicht (afgestemd)",
        "code": {"text": "medication review" if lang == "en" else "medicatiebeoordeling"},
        "subject": ref(patient), "date": review.review_date.isoformat(), "source": ref(device, "mbo"),
        **({"entry": [{"item": ref(statements[m.id], m.name),
                       "flag": {"coding": [{"system": _s("action"), "code": m.action, "display": word(m.action, lang)}]}}
                      for m in review.medications]} if review.medications else {"emptyReason": {"text": "nilknown"}})})
    keys = {_key(m): m for m in review.medications if m.status != "proposed"}
    for f in review.findings:
        add(url("finding", f.id), _issue(f, review, patient, device, keys, statements, practitioners))
    bundle = {"resourceType": "Bundle", "id": url("bundle", "").removeprefix("urn:uuid:"), "language": lang,
              "type": "collection", "timestamp": f"{review.review_date.isoformat()}T00:00:00Z", "entry": entries}
    if validate:
        validate_fhir(bundle)
    return bundle


def _device(review: Review, version: str) -> dict[str, Any]:
    """mbo as a Device: its version, the knowledge base's version and hash, and the explicit criteria applied."""
    k, c = review.knowledge, review.knowledge.criteria
    criteria = [{"url": "set", "valueString": c.set}, *([{"url": "file", "valueString": c.file}] if c.file else []),
                *([{"url": "sha256", "valueString": c.sha256}] if c.sha256 else []),
                {"url": "rules", "valueInteger": c.rules}]
    return {"resourceType": "Device", "extension": [{"url": _s("criteria"), "extension": criteria}],
            "deviceName": [{"name": "mbo", "type": "model-name"}],
            "version": [{"type": {"text": "mbo"}, "value": version},
                        {"type": {"text": "knowledge base"}, "value": k.version},
                        {"type": {"text": "knowledge base hash"}, "value": k.hash},
                        {"type": {"text": "criteria"}, "value": c.set},
                        *([{"type": {"text": "criteria sha256"}, "value": c.sha256}] if c.sha256 else [])]}


def _key(m: MedicationEntry) -> str:
    """The medicine key the findings use (see Medication.key) of a list entry."""
    if m.atc:
        return m.atc
    if m.components:
        return "+".join(sorted(m.components))
    return "?" + " ".join(m.text.lower().split())


def _statement(m: MedicationEntry, review: Review, patient: str, practitioners: Mapping[str, str],
               conditions: Mapping[str, str], statements: Mapping[str, str]) -> dict[str, Any]:
    ext: list[dict[str, Any]] = []
    if not m.atc:
        ext.append({"url": _s("medication-name"), "valueString": m.name})
    ext += [{"url": _s("component"), "valueCoding": {"system": ATC, "code": c}} for c in m.components]
    if m.unresolved:
        ext.append({"url": _s("unresolved"), "valueBoolean": True})
    ext += [{"url": _s("finding"), "valueString": fid} for fid in m.findings]
    ext += [{"url": _s("source"), "valueString": s} for s in m.sources]
    ext += [{"url": _s("missing-from"), "valueString": s} for s in m.missing_from]
    ext += [{"url": _s("indicated-with"), "valueReference": {"reference": statements[o]}} for o in m.indicated_with
            if o in statements]
    ext += [{"url": _s("justified-by"), "valueReference": {"reference": conditions[c]}} for c in m.justified_by
            if c in conditions]
    if m.purpose:
        ext.append({"url": _s("purpose"), "valueString": m.purpose})
    identifiers = [{"system": _s("medication"), "value": m.id}]
    if m.status != "proposed":
        identifiers.append({"system": _s("medication-key"), "value": _key(m)})
    res: dict[str, Any] = {
        "resourceType": "MedicationStatement", **({"extension": ext} if ext else {}), "identifier": identifiers,
        "status": _STATUS.get(m.status, "unknown"),
        "medicationCodeableConcept": {**({"coding": [{"system": ATC, "code": m.atc, "display": m.name}]} if m.atc else {}),
                                      "text": m.text},
        "subject": {"reference": patient}, "dateAsserted": review.review_date.isoformat(),
    }
    if m.stop_reason:
        res["statusReason"] = [{"text": m.stop_reason}]
    if m.start or m.stop:
        res["effectivePeriod"] = {**({"start": m.start.isoformat()} if m.start else {}),
                                  **({"end": m.stop.isoformat()} if m.stop else {})}
    if m.prescriber:
        res["informationSource"] = ({"reference": practitioners[m.prescriber], "display": m.prescriber}
                                    if m.prescriber in practitioners else {"display": m.prescriber})
    if m.conditions:
        res["reasonReference"] = [{"reference": conditions[c]} for c in m.conditions if c in conditions]
    if m.dose:
        res["dosage"] = [{"text": m.dose}]
    return res


def _issue(f: Finding, review: Review, patient: str, device: str, keys: Mapping[str, MedicationEntry],
           statements: Mapping[str, str], practitioners: Mapping[str, str]) -> dict[str, Any]:
    lang = review.language

    def med(key: str) -> dict[str, Any]:
        m = keys.get(key)
        if m is None:
            return {"identifier": {"system": _s("medication-key"), "value": key}, "display": key}
        return {"reference": statements[m.id], "display": m.name}

    codings = [{"system": _s("finding-kind"), "code": f.kind, "display": word(f.kind, lang)}]
    if f.kind in _ACT:
        codings.append({"system": ACT_CODE, "code": _ACT[f.kind][0], "display": _ACT[f.kind][1]})
    codings += [{"system": _s("rule"), "code": f.rule}, {"system": _s("pcne"), "code": f.pcne}]
    ext: list[dict[str, Any]] = [{"url": _s("also"), "valueString": r} for r in f.also]
    ext += [{"url": _s("suggest"), "valueCoding": {"system": ATC, "code": s}} for s in f.suggest]
    ext += [{"url": _s("prescriber"), "valueReference": (
        {"reference": practitioners[p], "display": p} if p in practitioners else {"display": p})} for p in f.prescribers]
    ext += [{"url": _s("source"), "valueString": s} for s in f.sources]
    mitigation: list[dict[str, Any]] = [
        {"action": {"coding": [{"system": _s("mitigation"), "code": "recommendation"}], "text": f.recommendation}}]
    for key, action in f.actions.items():
        m = keys.get(key)
        mitigation.append({"extension": [{"url": _s("medication"), "valueReference": med(key)}],
                           "action": {"coding": [{"system": _s("action"), "code": action, "display": word(action, lang)}],
                                      "text": f"{m.name if m else key}: {word(action, lang)}"}})
    return {"resourceType": "DetectedIssue", **({"extension": ext} if ext else {}),
            "identifier": [{"system": _s("finding"), "value": f.id}], "status": "final",
            "code": {"coding": codings, "text": f.title}, "severity": f.severity, "patient": {"reference": patient},
            "identifiedDateTime": review.review_date.isoformat(), "author": {"reference": device, "display": "mbo"},
            **({"implicated": [med(k) for k in f.medications]} if f.medications else {}),
            **({"evidence": [{"code": [{"text": e}]} for e in f.evidence]} if f.evidence else {}),
            "detail": f.rationale, "mitigation": mitigation}


def validate_fhir(bundle: Mapping[str, Any]) -> None:
    """Check a Bundle against the FHIR R4B models of `fhir.resources`; a model error is a bug, raised as is."""
    try:
        from fhir.resources.R4B.bundle import Bundle
    except ImportError:
        raise RenderError("fhir", "the Python package fhir.resources is not installed (pip install fhir.resources)") from None
    Bundle.model_validate(bundle)


# -- reading it back ----------------------------------------------------------------------------------------------


def from_fhir(data: Mapping[str, Any] | str | bytes) -> FhirReview:
    """Read a Bundle written by `to_fhir` (parsed, or JSON text) back into findings, list and conditions.

    Raises InputError when the data is not such a Bundle.
    """
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except ValueError as err:
            raise InputError("(fhir)", "Bundle", f"not JSON: {err}") from None
    if not isinstance(data, Mapping) or data.get("resourceType") != "Bundle":
        raise InputError("(fhir)", "resourceType", "not a FHIR Bundle")
    try:
        return _read(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, StopIteration) as err:
        raise InputError("(fhir)", "Bundle", f"not written by mbo.to_fhir ({type(err).__name__}: {err})") from None


def _ext(res: Mapping[str, Any], name: str, kind: str) -> list[Any]:
    return [e[kind] for e in res.get("extension") or [] if e.get("url") == _s(name)]


def _ident(res: Mapping[str, Any], name: str) -> str | None:
    return next((i["value"] for i in res.get("identifier") or [] if i.get("system") == _s(name)), None)


def _code(concept: Mapping[str, Any], system: str) -> str | None:
    return next((c["code"] for c in concept.get("coding") or [] if c.get("system") == system), None)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _read(bundle: Mapping[str, Any]) -> FhirReview:
    by_url = {e["fullUrl"]: e["resource"] for e in bundle.get("entry") or []}
    resources = [e["resource"] for e in bundle.get("entry") or []]
    med_id = {u: _ident(r, "medication") for u, r in by_url.items() if r["resourceType"] == "MedicationStatement"}
    med_key = {u: _ident(r, "medication-key") for u, r in by_url.items() if r["resourceType"] == "MedicationStatement"}
    cond_id = {u: _ident(r, "condition-entry") for u, r in by_url.items() if r["resourceType"] == "Condition"}

    def key_of(reference: Mapping[str, Any]) -> str:
        if "reference" in reference:
            key = med_key[reference["reference"]]
            if key is None:
                raise ValueError(f"{reference['reference']} has no medicine key")
            return key
        return str(reference["identifier"]["value"])

    conditions = []
    for u, r in by_url.items():
        if r["resourceType"] != "Condition":
            continue
        concept_coding = next((c for c in r["code"].get("coding") or [] if c.get("system") == _s("condition")), None)
        system = next((k for k, v in _CONDITION_SYSTEMS.items()
                       for c in r["code"].get("coding") or [] if c.get("system") == v), None)
        conditions.append(ConditionEntry(
            id=cond_id[u] or "", concept=concept_coding["code"] if concept_coding else None,
            name=concept_coding["display"] if concept_coding else r["code"]["text"],
            lay_name=next(iter(_ext(r, "lay-name", "valueString")), None), text=r["code"]["text"],
            code=_code(r["code"], _CONDITION_SYSTEMS[system]) if system else None, system=system,
            onset=_date(r.get("onsetDateTime"))))
    statements = {}
    for u, r in by_url.items():
        if r["resourceType"] != "MedicationStatement":
            continue
        concept = r["medicationCodeableConcept"]
        atc = _code(concept, ATC)
        period = r.get("effectivePeriod") or {}
        source = r.get("informationSource")
        statements[u] = dict(
            id=_ident(r, "medication"), atc=atc,
            name=(_ext(r, "medication-name", "valueString") or [next(c["display"] for c in concept["coding"]
                                                                      if c["system"] == ATC) if atc else ""])[0],
            text=concept["text"], components=[c["code"] for c in _ext(r, "component", "valueCoding")],
            unresolved=bool(_ext(r, "unresolved", "valueBoolean")), status=_STATUS_BACK[r["status"]],
            prescriber=source["display"] if source else None, dose=(r.get("dosage") or [{}])[0].get("text"),
            start=_date(period.get("start")), stop=_date(period.get("end")),
            stop_reason=(r.get("statusReason") or [{}])[0].get("text"),
            findings=_ext(r, "finding", "valueString"), sources=_ext(r, "source", "valueString"),
            missing_from=_ext(r, "missing-from", "valueString"),
            conditions=[cond_id[c["reference"]] for c in r.get("reasonReference") or []],
            indicated_with=[med_id[v["reference"]] for v in _ext(r, "indicated-with", "valueReference")],
            justified_by=[cond_id[v["reference"]] for v in _ext(r, "justified-by", "valueReference")],
            purpose=(_ext(r, "purpose", "valueString") or [None])[0])
    the_list = next(r for r in resources if r["resourceType"] == "List")
    medications = [MedicationEntry(**statements[e["item"]["reference"]], action=_code(e["flag"], _s("action")))  # type: ignore[arg-type]
                   for e in the_list.get("entry") or []]
    conditions = [c.model_copy(update={"medications": [m.id for m in medications if c.id in m.conditions]})
                  for c in conditions]
    findings = []
    for r in resources:
        if r["resourceType"] != "DetectedIssue":
            continue
        recommendation = next(m["action"]["text"] for m in r["mitigation"]
                              if _code(m["action"], _s("mitigation")) == "recommendation")
        actions = {key_of(_ext(m, "medication", "valueReference")[0]): _code(m["action"], _s("action"))
                   for m in r["mitigation"] if _ext(m, "medication", "valueReference")}
        findings.append(Finding(
            id=_ident(r, "finding") or "", kind=_code(r["code"], _s("finding-kind")), severity=r["severity"],  # type: ignore[arg-type]
            rule=_code(r["code"], _s("rule")) or "", also=_ext(r, "also", "valueString"), title=r["code"]["text"],
            rationale=r["detail"], recommendation=recommendation,
            atc=sorted({c for k in (key_of(i) for i in r.get("implicated") or []) for c in _codes_of(k, statements, med_key)}),
            suggest=[c["code"] for c in _ext(r, "suggest", "valueCoding")],
            prescribers=[v["display"] for v in _ext(r, "prescriber", "valueReference")],
            sources=_ext(r, "source", "valueString"), pcne=_code(r["code"], _s("pcne")) or "",
            evidence=[e["code"][0]["text"] for e in r.get("evidence") or []],
            medications=[key_of(i) for i in r.get("implicated") or []], actions=actions))  # type: ignore[arg-type]
    return FhirReview(findings=findings, medications=medications, conditions=conditions)


def _codes_of(key: str, statements: Mapping[str, dict[str, Any]], med_key: Mapping[str, str | None]) -> list[str]:
    """The ATC codes of a medicine key, as a finding lists them (its substances and the product's own code)."""
    for url, k in med_key.items():
        if k == key:
            s = statements[url]
            return [*s["components"], *([s["atc"]] if s["atc"] else [])]
    return [c for c in key.split("+") if not c.startswith("?")]
