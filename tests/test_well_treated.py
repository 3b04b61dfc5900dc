"""Well-treated patients stay quiet: no finding of moderate or high severity.

Each patient is treated as the Dutch guidelines advise (NHG-Standaarden Hartfalen, Diabetes mellitus type 2,
Atriumfibrilleren, COPD; Richtlijn Ziekte van Parkinson), with the labs that make the treatment safe.
"""

from __future__ import annotations

import pytest

import mbo
from mbo import Knowledge


def _patient(born: str, sex: str, conditions: list[str], labs: dict[str, float],
             meds: list[tuple[str, str, str]]) -> dict[str, object]:
    return {
        "patient": {"birth_date": born, "sex": sex},
        "review_date": "2026-11-01",
        "conditions": [{"code": code, "system": "icd10", "onset": "2019-01-01"} for code in conditions],
        "labs": [{"test": test, "value": value, "date": "2026-10-15"} for test, value in labs.items()],
        "medications": [{"atc": atc, "dose": dose, "start": start, "prescriber": "huisarts"} for atc, dose, start in meds],
    }


WELL_TREATED = {
    "heart failure (HFrEF)": _patient("1947-03-01", "female", ["I50.2", "I10"],
                                      {"egfr": 55, "potassium": 4.6, "sodium": 139}, [
        ("C09AA03", "1 dd 10 mg", "2019-02-01"),    # lisinopril
        ("C07AB07", "1 dd 5 mg", "2019-02-01"),     # bisoprolol
        ("C03DA01", "1 dd 25 mg", "2019-06-01"),    # spironolactone
        ("A10BK01", "1 dd 10 mg", "2022-01-01"),    # dapagliflozin
        ("C03CA01", "1 dd 40 mg", "2019-01-15"),    # furosemide
    ]),
    "diabetes type 2": _patient("1950-05-10", "male", ["E11.9", "I10"],
                                {"egfr": 68, "potassium": 4.4, "hba1c": 55}, [
        ("A10BA02", "2 dd 500 mg", "2019-02-01"),   # metformin
        ("C10AA05", "1 dd 40 mg", "2019-02-01"),    # atorvastatin
        ("C09AA04", "1 dd 4 mg", "2019-02-01"),     # perindopril
    ]),
    "atrial fibrillation": _patient("1945-07-20", "female", ["I48.9", "I10"],
                                    {"egfr": 58, "potassium": 4.2}, [
        ("B01AF02", "2 dd 5 mg", "2019-02-01"),     # apixaban
        ("C07AB02", "1 dd 50 mg", "2019-02-01"),    # metoprolol
    ]),
    "COPD": _patient("1952-01-11", "male", ["J44.9"], {"egfr": 74}, [
        ("R03AL06", "1 dd 2 inhalaties", "2020-03-01"),   # tiotropium/olodaterol
        ("R03AC02", "zo nodig 1-2 inhalaties", "2019-02-01"),  # salbutamol
    ]),
    "Parkinson's disease": _patient("1947-09-30", "female", ["G20", "K59.0"], {"egfr": 66}, [
        ("N04BA02", "4 dd 125 mg", "2019-02-01"),   # levodopa with benserazide
        ("A06AD65", "1 dd 1 sachet", "2019-06-01"),  # macrogol with electrolytes
    ]),
}


@pytest.mark.parametrize("name", WELL_TREATED)
def test_a_well_treated_patient_gets_no_moderate_or_high_finding(kb: Knowledge, name: str) -> None:
    review = mbo.review(WELL_TREATED[name], knowledge=kb)
    loud = [f"{f.rule} ({f.severity}): {f.title}" for f in review.findings if f.severity != "low"]
    assert not loud, loud
    assert all(m.atc for m in review.medications if m.status != "proposed")
