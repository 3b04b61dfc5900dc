"""Resolving what a source says about a medicine to ATC substance codes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._knowledge import Knowledge
from ._selectors import is_atc
from ._text import component_texts, medicine_words, route_of

__all__ = ["Resolution", "resolve_medicine"]

_BRACKETED = re.compile(r"\[([^\]]+)\]")


@dataclass(frozen=True)
class Resolution:
    """The product's ATC code (None for an unknown combination), its substance codes and how they were found."""

    atc: str | None
    components: tuple[str, ...]
    resolved_by: str | None

    @property
    def resolved(self) -> bool:
        return bool(self.components)


UNRESOLVED = Resolution(None, (), None)


def resolve_medicine(kb: Knowledge, text: str, *, atc: str | None = None, rxnorm: tuple[str, ...] = ()) -> Resolution:
    """Resolve a medicine from its ATC code, an RxNorm ingredient id, or its text, in that order."""
    if atc:
        code = kb.canonical_atc(atc.strip().upper())
        if is_atc(code) and len(code) == 7:
            return _by_code(kb, code, "atc")
    for rx in rxnorm:
        found = kb.rxnorm_index.get(rx.strip())
        if found:
            return _by_code(kb, found, "rxnorm")
    return _by_text(kb, text)


def _by_code(kb: Knowledge, code: str, how: str) -> Resolution:
    sub = kb.substances.get(code)
    components = tuple(sub.components) if sub and sub.components else (code,)
    return Resolution(code, components, how)


def _by_text(kb: Knowledge, text: str) -> Resolution:
    for tag in route_of(text):
        found = _window_route(kb, [w for w in medicine_words(text) if w != tag], tag)
        if found:
            return _by_code(kb, found, "name")
    found = _lookup_words(kb, medicine_words(text))
    if found:
        return _by_code(kb, found, "name")
    for brand in _BRACKETED.findall(text):
        found = _lookup_words(kb, medicine_words(brand))
        if found:
            return _by_code(kb, found, "brand")
    parts = component_texts(text)
    if parts:
        codes = [_lookup_words(kb, medicine_words(p)) or _window(kb, medicine_words(p)) for p in parts]
        if all(codes):
            components = tuple(sorted({c for code in codes for c in _by_code(kb, code, "name").components}))  # type: ignore[arg-type]
            combo = kb.combinations.get(frozenset(components))
            return Resolution(combo, components, "components")
    found = _window(kb, medicine_words(text))
    return _by_code(kb, found, "name") if found else UNRESOLVED


def _lookup_words(kb: Knowledge, words: list[str]) -> str | None:
    return kb.name_index.get(" ".join(words)) if words else None


def _window_route(kb: Knowledge, words: list[str], route: str) -> str | None:
    """The longest run of words that, with the route, names a local form ("hydrocortisone … cream" → "(huid)")."""
    for size in range(len(words), 0, -1):
        for start in range(0, len(words) - size + 1):
            key = " ".join([*words[start:start + size], route])
            if key in kb.name_index:
                return kb.name_index[key]
    return None


def _window(kb: Knowledge, words: list[str]) -> str | None:
    """The longest run of words that names a known medicine ("metoprolol succinaat retard" → metoprolol)."""
    for size in range(len(words), 0, -1):
        for start in range(0, len(words) - size + 1):
            key = " ".join(words[start:start + size])
            if len(key) >= 4 and key in kb.name_index:
                return kb.name_index[key]
    return None
