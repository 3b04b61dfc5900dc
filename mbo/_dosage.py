"""Reading the daily dose from common Dutch and English dosing instructions.

Only unambiguous forms are read ("2 dd 500 mg", "3 x per dag 1 tablet" with the strength in the
product name, "500 mg twice daily"); anything else gives None: a dose is never guessed.
"""

from __future__ import annotations

import re

__all__ = ["daily_dose_mg"]

_NUM = r"(\d+(?:[.,]\d+)?)"
_UNIT = r"(mg|g|microgram|mcg|µg|ug)"
_TIMES = r"(?:dd|d\.d\.|x\s*(?:per\s*)?dag|maal\s+(?:per\s+)?daags?|keer\s+per\s+dag|times\s+(?:a|per)\s+day|x\s*daily)"
_DUTCH = re.compile(rf"^{_NUM}\s*{_TIMES}\s*{_NUM}\s*{_UNIT}?\b", re.I)
_ENGLISH_WORDS = {"once daily": 1, "once a day": 1, "od": 1, "qd": 1, "twice daily": 2, "bid": 2, "b.i.d.": 2,
                  "three times daily": 3, "tid": 3, "t.i.d.": 3, "four times daily": 4, "qid": 4, "q.i.d.": 4}
_ENGLISH = re.compile(rf"^{_NUM}\s*{_UNIT}\s+({'|'.join(re.escape(k) for k in _ENGLISH_WORDS)})\b", re.I)
_STRENGTH = re.compile(rf"{_NUM}\s*{_UNIT}\b", re.I)
_AS_NEEDED = re.compile(r"\b(zo\s*nodig|z\.n\.|prn|as needed|when needed)\b", re.I)
_TO_MG = {"mg": 1.0, "g": 1000.0, "microgram": 0.001, "mcg": 0.001, "µg": 0.001, "ug": 0.001}


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def daily_dose_mg(instructions: str | None, product: str = "") -> float | None:
    """The regular daily dose in mg, or None when the text does not say it unambiguously.

        >>> daily_dose_mg("2 dd 500 mg")
        1000.0
        >>> daily_dose_mg("3 dd 1 tablet", "ibuprofen 400 mg tablet")
        1200.0
        >>> daily_dose_mg("zo nodig 1 dd 500 mg") is None
        True
    """
    if not instructions or _AS_NEEDED.search(instructions):
        return None
    text = " ".join(instructions.strip().lower().split())
    m = _DUTCH.match(text)
    if m:
        times, amount, unit = _num(m.group(1)), _num(m.group(2)), m.group(3)
        if unit:
            return times * amount * _TO_MG[unit.lower()]
        strengths = _STRENGTH.findall(product)
        if len(strengths) == 1:
            value, s_unit = strengths[0]
            return times * amount * _num(value) * _TO_MG[s_unit.lower()]
        return None
    m = _ENGLISH.match(text)
    if m:
        return _num(m.group(1)) * _TO_MG[m.group(2).lower()] * _ENGLISH_WORDS[m.group(3).lower()]
    return None
