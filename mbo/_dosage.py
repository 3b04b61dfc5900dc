"""Dosing instructions in Dutch and English, read into dose, unit, frequency, period, as-needed and maximum.

Only what the text says unambiguously is read: "2 dd 500 mg", "3 x per dag 2 tabletten",
"1x per week 15 mg", "zo nodig max 3 dd 1", "'s avonds 1", "om de dag", "bid", "every 8 hours".
Anything else is kept as written and marked unparsed; a dose is never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

__all__ = ["Dosage", "parse_dosage", "daily_dose_mg", "render_dosage"]

_MASS_MG = {"mg": 1.0, "g": 1000.0, "microgram": 0.001}
_UNITS = {  # written form → canonical unit
    "mg": "mg", "milligram": "mg", "g": "g", "gram": "g", "microgram": "microgram", "mcg": "microgram",
    "µg": "microgram", "ug": "microgram", "ie": "IE", "e": "IE", "iu": "IE", "eh": "IE", "ml": "ml",
    "tablet": "tablet", "tabletten": "tablet", "tabl": "tablet", "tab": "tablet", "tablets": "tablet",
    "capsule": "capsule", "capsules": "capsule", "caps": "capsule",
    "sachet": "sachet", "sachets": "sachet", "zakje": "sachet", "zakjes": "sachet",
    "druppel": "druppel", "druppels": "druppel", "drop": "druppel", "drops": "druppel",
    "inhalatie": "inhalatie", "inhalaties": "inhalatie", "pufje": "inhalatie", "pufjes": "inhalatie",
    "puff": "inhalatie", "puffs": "inhalatie", "dosis": "inhalatie", "doses": "inhalatie",
    "pleister": "pleister", "pleisters": "pleister", "patch": "pleister", "patches": "pleister",
    "zetpil": "zetpil", "zetpillen": "zetpil", "suppository": "zetpil",
    "stuk": "stuk", "stuks": "stuk",
}
_NUM = r"(\d+/\d+|\d+(?:\.\d+)?|½|een|één|twee|drie|vier|one|two|three|four)"
_WORD_NUM = {"½": 0.5, "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "one": 1, "two": 2, "three": 3, "four": 4}
_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_AMOUNT = re.compile(rf"(?<![\w.]){_NUM}(?:\s*(?:-|tot|to)\s*{_NUM})?\s*(?:({_UNIT_RE})\b)?")
_AS_NEEDED = re.compile(r"\b(zo ?nodig|z\.n\.|zn|indien nodig|bij (?:pijn|koorts|benauwdheid|onrust|misselijkheid)"
                        r"|p\.?r\.?n\.?|as needed|when needed|if needed)(?![a-z])")
_MAXIMUM = re.compile(rf"\b(?:max(?:imaal|imum)?\.?|maximum of|niet meer dan|not more than)\s*{_NUM}"
                      rf"(?:\s*(?:dd|x|maal|keer)\s*{_NUM}?)?\s*(?:({_UNIT_RE})\b)?\s*(?:per dag|per 24 uur|a day|per day|daily)?")
_SCHEDULE = re.compile(r"\b(volgens (?:schema|voorschrift|afspraak)(?: (?:van de )?trombosedienst)?|zie schema"
                       r"|volgens schema trombosedienst|as directed|according to schedule)\b")
# (pattern, (administrations: a number, None to read it from the text, or "period" for "every N units";
#  period length; period unit))
_FREQUENCIES: list[tuple[re.Pattern[str], tuple[int | str | None, float, str]]] = [
    (re.compile(rf"\b{_NUM}\s*(?:dd|d\.d\.|x\s*(?:per\s*)?dag|x\s*/\s*dag|x\s*daags|maal\s*(?:per\s*)?daags?|maal per dag"
                rf"|keer\s*(?:per\s*)?dag|keer daags|times\s+(?:a|per)\s+day|x\s*daily)(?![a-z])"), (None, 1.0, "d")),
    (re.compile(rf"\b{_NUM}\s*(?:x|maal|keer|times)\s*(?:per|/|a)\s*week\b"), (None, 1.0, "wk")),
    (re.compile(rf"\b{_NUM}\s*(?:x|maal|keer|times)\s*(?:per|/|a)\s*(?:maand|month)\b"), (None, 1.0, "mo")),
    (re.compile(r"\b(?:eenmaal|eens|één keer|1 keer|once)\s*(?:per|a|/)\s*week\b|\bwekelijks\b|\bweekly\b"), (1, 1.0, "wk")),
    (re.compile(r"\btwice\s*(?:per|a)\s*week\b"), (2, 1.0, "wk")),
    (re.compile(r"\b(?:eenmaal|één keer|1 keer|once)\s*(?:per|a|/)\s*(?:maand|month)\b|\bmaandelijks\b|\bmonthly\b"), (1, 1.0, "mo")),
    (re.compile(r"\btwice\s*(?:per|a)\s*month\b"), (2, 1.0, "mo")),
    (re.compile(r"\bom de dag\b|\bevery other day\b|\balternate days\b"), (1, 2.0, "d")),
    (re.compile(rf"\b(?:om de|elke|iedere|every)\s+{_NUM}\s*(?:dagen|days)\b"), ("period", 1.0, "d")),
    (re.compile(rf"\b(?:om de|elke|iedere|every|per)\s+{_NUM}\s*(?:uur|hours?|h)\b|\bq\s*{_NUM}\s*h\b"), ("period", 1.0, "h")),
    (re.compile(r"\b(?:twice daily|twice a day|bid|b\.i\.d\.|tweemaal daags|tweemaal per dag)\b"), (2, 1.0, "d")),
    (re.compile(r"\b(?:three times daily|three times a day|tid|t\.i\.d\.|driemaal daags|driemaal per dag)\b"), (3, 1.0, "d")),
    (re.compile(r"\b(?:four times daily|four times a day|qid|q\.i\.d\.|viermaal daags|viermaal per dag)\b"), (4, 1.0, "d")),
    (re.compile(r"\b(?:once daily|once a day|od|qd|dagelijks|daily|eenmaal daags|eenmaal per dag)\b"), (1, 1.0, "d")),
]
_TIMES_OF_DAY = re.compile(r"('s ?(?:morgens|ochtends|middags|avonds|nachts)|voor de nacht|a\.n\.|bij het ontbijt"
                           r"|in the morning|in the evening|at night|at bedtime|nightly)")


@dataclass(frozen=True)
class Dosage:
    """What an instruction says. `parsed` is False when the text could not be read: nothing is guessed then."""

    text: str
    parsed: bool = False
    dose: float | None = None
    dose_high: float | None = None
    unit: str | None = None
    frequency: float | None = None
    period: float | None = None
    period_unit: str | None = None
    as_needed: bool = False
    max_per_day: float | None = None
    max_unit: str | None = None
    schedule: bool = False

    @property
    def period_days(self) -> float | None:
        if self.period is None or self.period_unit is None:
            return None
        return self.period * {"h": 1 / 24, "d": 1.0, "wk": 7.0, "mo": 30.0}[self.period_unit]

    @property
    def daily_amount(self) -> float | None:
        """Regular amount per day in `unit` (the upper end of a range); None when as needed or unknown."""
        days = self.period_days
        if self.as_needed or self.dose is None or self.frequency is None or not days:
            return None
        return (self.dose_high or self.dose) * self.frequency / days


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    if "/" in text:
        top, bottom = text.split("/")
        return float(top) / float(bottom) if float(bottom) else None
    return float(_WORD_NUM.get(text, text))


def _normalise(text: str) -> str:
    low = " ".join(text.lower().replace("’", "'").replace("´", "'").split())
    return re.sub(r"(\d),(\d)", r"\1.\2", low)


def parse_dosage(text: str | None) -> Dosage:
    """Read an instruction; see the module docstring for what is understood.

        >>> parse_dosage("3 x per dag 2 tabletten").daily_amount
        6.0
        >>> d = parse_dosage("zo nodig max 3 dd 1")
        >>> d.as_needed, d.max_per_day, d.daily_amount
        (True, 3.0, None)
        >>> parse_dosage("1x per week 15 mg").period_unit
        'wk'
        >>> parse_dosage("bij twijfel overleggen").parsed
        False
    """
    if not text or not text.strip():
        return Dosage(text=text or "")
    rest = _normalise(text)
    found = Dosage(text=text)
    if m := _AS_NEEDED.search(rest):
        found, rest = replace(found, as_needed=True), rest[:m.start()] + " " + rest[m.end():]
    if m := _MAXIMUM.search(rest):
        first, second, unit = _number(m.group(1)) or 0.0, _number(m.group(2)), m.group(3)
        per_day = first * second if second is not None else first
        found = replace(found, max_per_day=per_day, max_unit=_UNITS[unit] if unit else None)
        rest = rest[:m.start()] + " " + rest[m.end():]
    if m := _SCHEDULE.search(rest):
        return replace(found, parsed=True, schedule=True)
    for pattern, (count, period, period_unit) in _FREQUENCIES:
        if m := pattern.search(rest):
            number = next((g for g in m.groups() if g is not None), None)
            freq: float | None
            if count == "period":
                freq, per = 1.0, _number(number) or 1.0
            else:
                freq, per = (float(count) if count is not None else _number(number)), period
            found = replace(found, frequency=freq, period=per, period_unit=period_unit)
            rest = rest[:m.start()] + " " + rest[m.end():]
            break
    else:
        times = set(_TIMES_OF_DAY.findall(rest))
        if times:
            found = replace(found, frequency=float(len(times)), period=1.0, period_unit="d")
            rest = _TIMES_OF_DAY.sub(" ", rest)
    if m := _AMOUNT.search(rest):
        unit = m.group(3)
        found = replace(found, dose=_number(m.group(1)), dose_high=_number(m.group(2)),
                        unit=_UNITS[unit] if unit else None)
    if found.frequency is not None:
        return replace(found, parsed=True)
    if found.as_needed:  # "zo nodig 1 tablet", "zo nodig max 3 per dag": read, with no regular dose
        return replace(found, parsed=True)
    return Dosage(text=text)


def daily_dose_mg(instructions: str | None, product: str = "") -> float | None:
    """The regular daily dose in mg, or None when the instruction does not say it unambiguously.

    A dose in tablets or capsules counts when the product names exactly one strength in mg.

        >>> daily_dose_mg("2 dd 500 mg")
        1000.0
        >>> daily_dose_mg("3 dd 1 tablet", "ibuprofen 400 mg tablet")
        1200.0
        >>> daily_dose_mg("zo nodig 1 dd 500 mg") is None
        True
    """
    dosage = parse_dosage(instructions)
    amount = dosage.daily_amount
    if amount is None:
        return None
    if dosage.unit in _MASS_MG:
        return amount * _MASS_MG[dosage.unit]
    if dosage.unit in (None, "tablet", "capsule", "sachet", "zetpil", "stuk"):
        if re.search(r"\d\s*/\s*\d+(?:[.,]\d+)?\s*(?:mg|g)\b", product.lower()):
            return None  # a combination's strengths ("500/125 mg"): which one is meant is not said
        strengths = {(float(v.replace(",", ".")), u) for v, u in re.findall(r"(\d+(?:[.,]\d+)?)\s*(mg|g)\b", product.lower())}
        if len(strengths) == 1:
            value, unit = strengths.pop()
            return amount * value * _MASS_MG[unit]
    return None


def render_dosage(dosage: Dosage, lang: str = "nl") -> str:
    """A canonical instruction for a parsed Dosage ("3 dd 2 tablet", "1 x per week 15 mg"), or its own text."""
    if not dosage.parsed or dosage.schedule:
        return dosage.text
    en = lang == "en"
    parts = []
    if dosage.as_needed:
        parts.append("as needed" if en else "zo nodig")
    if dosage.frequency is not None and dosage.period is not None:
        every = {"d": ("dd", "times a day"), "wk": ("x per week", "times a week"), "mo": ("x per maand", "times a month")}
        if en and dosage.period == 1 and dosage.frequency in (1, 2) and dosage.period_unit in every:
            parts.append(("once" if dosage.frequency == 1 else "twice") + every[dosage.period_unit][1][len("times"):])
        elif dosage.period == 1 and dosage.period_unit in every:
            parts.append(f"{dosage.frequency:g} {every[dosage.period_unit][en]}")
        else:  # "every N units": one administration per interval
            names = {"h": ("uur", "hours"), "d": ("dagen", "days"), "wk": ("weken", "weeks"), "mo": ("maanden", "months")}
            interval = dosage.period / dosage.frequency
            parts.append(f"{'every' if en else 'om de'} {interval:g} {names[dosage.period_unit or 'd'][en]}")
    if dosage.dose is not None:
        amount = f"{dosage.dose:g}" + (f"-{dosage.dose_high:g}" if dosage.dose_high is not None else "")
        amount = amount if en else amount.replace(".", ",")
        parts.append(f"{amount} {dosage.unit}" if dosage.unit else amount)
    if dosage.max_per_day is not None:
        unit = f" {dosage.max_unit}" if dosage.max_unit else ""
        parts.append(f"max {dosage.max_per_day:g}{unit} {'per day' if en else 'per dag'}")
    return " ".join(parts)
