"""Words of the interface in Dutch and English (clinical content lives in knowledge/)."""

from __future__ import annotations

from datetime import date

__all__ = ["Lang", "fmt_date", "fmt_number", "word", "WORDS"]

Lang = str

WORDS: dict[str, tuple[str, str]] = {
    # kinds
    "interaction": ("interactie", "interaction"),
    "contraindication": ("contra-indicatie", "contraindication"),
    "cascade": ("voorschrijfcascade", "prescribing cascade"),
    "inappropriate": ("potentieel ongeschikt", "potentially inappropriate"),
    "omission": ("onderbehandeling", "omission"),
    "dose": ("dosering", "dose"),
    "duplication": ("dubbelmedicatie", "duplication"),
    "no-indication": ("geen indicatie", "no indication"),
    "burden": ("anticholinerge belasting", "anticholinergic burden"),
    "discrepancy": ("discrepantie", "discrepancy"),
    # severities
    "high": ("hoog", "high"),
    "moderate": ("matig", "moderate"),
    "low": ("laag", "low"),
    # actions
    "continue": ("continueren", "continue"),
    "stop": ("stoppen", "stop"),
    "reduce": ("dosis verlagen", "reduce dose"),
    "change": ("wijzigen", "change"),
    "start": ("starten", "start"),
    "monitor": ("monitoren", "monitor"),
    "check": ("controleren", "check"),
    # statuses
    "active": ("actief", "active"),
    "on-hold": ("gepauzeerd", "on hold"),
    "stopped": ("gestopt", "stopped"),
    "completed": ("afgerond", "completed"),
    "unknown": ("onbekend", "unknown"),
    "proposed": ("voorstel", "proposed"),
    # phrases
    "since": ("sinds", "since"),
    "on": ("op", "on"),
    "days": ("dagen", "days"),
    "days_later": ("dagen later", "days later"),
    "found": ("Gevonden", "Found"),
    "unresolved": ("niet herkend — handmatig beoordelen", "not recognised — review by hand"),
    "computed": ("berekend", "computed"),
    "female": ("vrouw", "female"),
    "male": ("man", "male"),
    "years": ("jaar", "years"),
    "gp": ("huisarts", "general practitioner"),
    "prescriber_unknown": ("voorschrijver onbekend", "prescriber unknown"),
}


def word(key: str, lang: Lang) -> str:
    """One interface word in the language."""
    nl, en = WORDS.get(key, (key, key))
    return en if lang == "en" else nl


def fmt_date(value: date | None, lang: Lang) -> str:
    """dd-mm-yyyy in Dutch, yyyy-mm-dd in English; '?' when unknown."""
    if value is None:
        return "?"
    return value.isoformat() if lang == "en" else value.strftime("%d-%m-%Y")


def fmt_number(value: float, lang: Lang) -> str:
    """A number as a reader writes it: at most one decimal (two significant digits below 1); decimal comma in Dutch.

        >>> fmt_number(6.94966, "nl"), fmt_number(0.125, "en"), fmt_number(2000.0, "nl")
        ('6,9', '0.12', '2000')
    """
    text = f"{round(value, 1):g}" if abs(value) >= 1 or value == 0 else f"{value:.2g}"
    return text.replace(".", ",") if lang != "en" else text
