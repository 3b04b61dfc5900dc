"""Several sources for one patient (GP, community pharmacy, hospital, the patient), read and laid side by side.

Each medicine keeps the label of the list it came from, so that the review can say which lists agree.
Demographics must agree; conditions, labs and vaccinations are pooled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from .._errors import InputError
from .._patient import Patient

__all__ = ["split_label", "read_several"]


def split_label(item: Any) -> tuple[str | None, Any]:
    """("huisarts", "gp.json") or "huisarts=gp.json" → label and source; a bare source has no label."""
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        return item[0], item[1]
    if isinstance(item, str) and "=" in item and not Path(item).exists():
        label, _, path = item.partition("=")
        if label and "/" not in label:
            return label.strip(), path.strip()
    return None, item


def read_several(items: Sequence[Any], read_one: Callable[..., Patient], *, review_date: date | None,
                 birth_date: date | None, sex: str | None) -> Patient:
    """Read each source with `read_one` and merge them; a CSV list borrows the birth date of the others."""
    labelled = [split_label(item) for item in items]
    is_list = [str(source).lower().endswith((".csv", ".csv.gz")) for _, source in labelled]
    read: dict[int, Patient] = {}
    for i in sorted(range(len(labelled)), key=lambda i: is_list[i]):  # lists without demographics last
        label, source = labelled[i]
        known = next(iter(read.values()), None)
        borrow = is_list[i] and known is not None
        patient = read_one(source, review_date=review_date,
                           birth_date=birth_date or (known.birth_date if borrow else None),  # type: ignore[union-attr]
                           sex=sex or (known.sex if borrow and known.sex != "unknown" else None))  # type: ignore[union-attr]
        name = label or (Path(str(source)).name.split(".")[0] if isinstance(source, (str, Path)) else f"bron {i + 1}")
        _check_agrees(patient, known, patient.source)
        read[i] = patient.model_copy(update={"medications": tuple(m.model_copy(update={"source": name})
                                                                  for m in patient.medications)})
    patients = [read[i] for i in range(len(labelled))]
    first = patients[0]
    return Patient(
        id=first.id, birth_date=first.birth_date, sex=next((p.sex for p in patients if p.sex != "unknown"), "unknown"),
        review_date=review_date or max(p.review_date for p in patients),
        medications=tuple(m for p in patients for m in p.medications),
        conditions=tuple(c for p in patients for c in p.conditions),
        labs=tuple(lab for p in patients for lab in p.labs),
        vaccinations=tuple(v for p in patients for v in p.vaccinations),
        vaccination_record=any(p.vaccination_record for p in patients),
        source=" + ".join(p.source for p in patients),
    )


def _check_agrees(patient: Patient, known: Patient | None, source: str) -> None:
    if known is None:
        return
    if patient.birth_date != known.birth_date:
        raise InputError(source, "birth date", f"{patient.birth_date} differs from {known.birth_date} in {known.source}")
    if "unknown" not in (patient.sex, known.sex) and patient.sex != known.sex:
        raise InputError(source, "sex", f"{patient.sex} differs from {known.sex} in {known.source}")
