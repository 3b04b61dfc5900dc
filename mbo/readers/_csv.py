"""Reading a medication list exported as CSV (comma or semicolon, Dutch or English headers).

Columns (case-insensitive): name/naam/geneesmiddel, dose/dosering/gebruik, prescriber/voorschrijver,
start/startdatum, and optionally atc, stop/einddatum, status, stop_reason/stopreden. A CSV holds
no birth date: give it with `--birth-date` (library: `birth_date=`).
"""

from __future__ import annotations

import io
from datetime import date

from .._errors import InputError
from .._knowledge import Knowledge
from .._patient import Patient, Prescriber
from ._common import RawMedication, build_patient, parse_date, parse_sex

__all__ = ["read_csv"]

_COLUMNS = {
    "name": ("name", "naam", "geneesmiddel", "medicine", "medication", "middel", "product"),
    "dose": ("dose", "dosering", "gebruik", "instructions", "instructie", "dosage"),
    "prescriber": ("prescriber", "voorschrijver", "arts"),
    "start": ("start", "startdatum", "begin", "begindatum", "start_date"),
    "stop": ("stop", "einddatum", "stopdatum", "end", "stop_date"),
    "atc": ("atc", "atc-code", "atc_code"),
    "status": ("status",),
    "stop_reason": ("stop_reason", "stopreden", "reden"),
}
_STATUSES = {"active": "active", "actief": "active", "stopped": "stopped", "gestopt": "stopped",
             "on-hold": "on-hold", "gepauzeerd": "on-hold", "completed": "completed", "": "active"}


def read_csv(kb: Knowledge, raw: bytes, source: str, *, review_date: date | None, birth_date: date | None,
             sex: str | None) -> Patient:
    """A Patient from a CSV medication list plus the birth date and sex given alongside."""
    import polars as pl  # loaded here: a review of a FHIR or YAML file need not pay for it

    text = raw.decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    separator = ";" if first.count(";") > first.count(",") else ","
    try:
        frame = pl.read_csv(io.StringIO(text), separator=separator, infer_schema=False, truncate_ragged_lines=True)
    except (pl.exceptions.PolarsError, ValueError) as err:
        raise InputError(source, "(csv)", f"not a readable CSV table: {str(err).splitlines()[0]}") from None
    columns = {c.strip().lower(): c for c in frame.columns}
    found = {key: next((columns[a] for a in aliases if a in columns), None) for key, aliases in _COLUMNS.items()}
    if found["name"] is None and found["atc"] is None:
        raise InputError(source, "name", f"no column with the medicine's name (found: {', '.join(frame.columns)})")
    meds = []
    for i, row in enumerate(frame.iter_rows(named=True)):
        def cell(key: str) -> str:
            col = found[key]
            return (row.get(col) or "").strip() if col else ""

        if not cell("name") and not cell("atc"):
            continue
        where = f"row {i + 2}"
        status = cell("status").lower()
        if status not in _STATUSES:
            raise InputError(source, f"{where}.status", f"{status!r} is not a status (active, stopped, on-hold)")
        prescriber = cell("prescriber")
        meds.append(RawMedication(
            where=where, text=cell("name") or cell("atc"), atc=cell("atc") or None, dose=cell("dose") or None,
            prescriber=Prescriber(id=prescriber, specialty=prescriber) if prescriber else None,
            start=parse_date(cell("start"), source, f"{where}.start"), stop=parse_date(cell("stop"), source, f"{where}.stop"),
            status=_STATUSES[status], stop_reason=cell("stop_reason") or None,  # type: ignore[arg-type]
        ))
    return build_patient(kb, source, patient_id=None, birth_date=birth_date, sex=parse_sex(sex),
                         review_date=review_date or date.today(), meds=meds, conditions=[], labs=[],
                         birth_date_field="birth date (give --birth-date with a CSV)")
