"""Normalising medicine and condition text for lookup."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "medicine_words", "component_texts", "route_of"]

# Strengths: "500 mg", "0,125mg", "100 UNT/ML", "0.11 MG/ACTUAT", "2.5%", "28 day pack".
_STRENGTH = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:mg|g|mcg|microgram|µg|ug|ml|l|ie|e|iu|unt|units?|mmol|meq|%|actuat|dosis|doses|day|dag|hr|h)?"
    r"(?:\s*/\s*(?:ml|actuat|dosis|dose|h|hr|24\s*h|g))?\b"
)
# Dose forms, release and packaging words in Dutch and English; they never name a substance.
_FORM_WORDS = frozenset("""
oral tablet tablets tablet tabletten tab tabs capsule capsules caps capsule's chewable kauwtablet
kauwtabletten bruistablet bruistabletten dispergeerbaar dispergeerbare omhuld filmomhuld filmomhulde
maagsapresistent maagsapresistente solution oplossing drank suspension suspensie injectable injection
injectie injectievloeistof infusion infuus topical cream creme crème zalf gel lotion inhaler inhalation
inhalatie inhalatiepoeder inhalatievloeistof aerosol spray neusspray powder poeder dry metered dose
pleister patch transdermal zetpil zetpillen suppository suppositorium druppels drops oogdruppels
extended release er xr sr cr mr retard mga msr zoc pack sachet sachets granulaat granules
prefilled pen syringe injector cartridge vial ampul ampoule abuse-deterrent abuse deterrent
""".split())
_PUNCT = re.compile(r"[^\w%/+.,-]+")


def fold(text: str) -> str:
    """Lower case, accents removed, runs of white space and punctuation made one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    plain = plain.replace("®", " ").replace("™", " ")
    return " ".join(re.sub(r"[^\w%/+.,'-]+", " ", plain).split())


def medicine_words(text: str) -> list[str]:
    """The words of a medicine text that may name it: strength, form and packaging removed."""
    folded = fold(re.sub(r"\[[^\]]*\]", " ", text))
    folded = _STRENGTH.sub(" ", folded)
    words = [w.strip(".,-'") for w in _PUNCT.sub(" ", folded).replace("/", " ").replace("+", " ").split()]
    return [w for w in words if w and w not in _FORM_WORDS and not re.fullmatch(r"[\d.,/%]+", w)]


# Words that name a local route; the vocabulary names such forms "hydrocortison (huid)", "fluticason (neus)".
# The first words of each entry are the tags the vocabulary uses, in Dutch and English.
_ROUTES = (
    (("huid", "cutaneous"), ("topical", "cream", "creme", "crème", "zalf", "ointment", "lotion", "dermal")),
    (("oog", "oogdruppels", "ophthalmic"), ("eye", "oogzalf")),
    (("neus", "nasal"), ("neusspray", "neusdruppels")),
    (("vaginaal", "vaginal"), ("vaginale", "vaginatablet")),
)


def route_of(text: str) -> tuple[str, ...]:
    """The vocabulary tags of the local route a medicine text names ("huid", "cutaneous"), or () for systemic use."""
    words = set(re.findall(r"[a-zà-ÿ]+", text.lower()))
    return next((tags for tags, cues in _ROUTES if words & (set(tags) | set(cues))), ())


def component_texts(text: str) -> list[str]:
    """The parts of a combination text ("A 325 MG / B 5 MG", "A + B"), or [] when it is one."""
    without_brand = re.sub(r"\[[^\]]*\]", " ", text)
    parts = [p.strip() for p in re.split(r"\s+/\s+|\s+\+\s+|\s+(?:and|with)\s+", without_brand) if p.strip()]
    return parts if len(parts) > 1 else []
