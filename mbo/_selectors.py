"""Drug selectors: ATC codes or prefixes and named groups, compiled for fast matching."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import KnowledgeError

__all__ = ["Selector", "compile_selector", "is_atc", "selector_key", "ATC_CODE", "ATC_LEVEL_LENGTH"]

_ATC = re.compile(r"^[A-Z](\d\d([A-Z]([A-Z](\d\d)?)?)?)?$")
ATC_CODE = r"^[A-Z]\d\d[A-Z][A-Z]\d\d$"  # a whole code (level 5), e.g. C08CA01
ATC_LEVEL_LENGTH = {1: 1, 2: 3, 3: 4, 4: 5, 5: 7}  # characters of a code at each level: C, C08, C08C, C08CA, C08CA01


def is_atc(text: str) -> bool:
    """True for an ATC code or prefix at any level (C, C08, C08C, C08CA, C08CA01)."""
    return bool(_ATC.match(text))


@dataclass(frozen=True)
class Selector:
    """Compiled selector: pairs of (included ATC prefix, excluded ATC prefixes); answers are remembered."""

    key: str
    pairs: tuple[tuple[str, tuple[str, ...]], ...]
    _seen: dict[str, bool] = field(default_factory=dict, compare=False, hash=False, repr=False)
    _seen_any: dict[tuple[str, ...], bool] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def matches(self, atc: str) -> bool:
        """True when the ATC code falls under this selector."""
        seen = self._seen.get(atc)
        if seen is None:
            seen = self._seen[atc] = any(atc.startswith(inc) and not any(atc.startswith(x) for x in exc)
                                         for inc, exc in self.pairs)
        return seen

    def matches_any(self, codes: Iterable[str]) -> bool:
        """True when any of the codes (a medicine's substances and product code) falls under this selector."""
        key = codes if isinstance(codes, tuple) else tuple(codes)
        seen = self._seen_any.get(key)
        if seen is None:
            seen = self._seen_any[key] = any(self.matches(c) for c in key)
        return seen


def selector_key(data: Any) -> str:
    """A stable text for a selector as written in a rule."""
    if isinstance(data, str):
        return data
    if isinstance(data, list):
        return "|".join(str(d) for d in data)
    if isinstance(data, Mapping):
        return selector_key(data.get("any", [])) + "-" + selector_key(data.get("except", []))
    return str(data)


def compile_selector(data: Any, groups: Mapping[str, Any], where: str, aliases: Mapping[str, str] | None = None) -> Selector:
    """Compile a selector as written in a rule (string, list or {any, except}); renamed ATC codes become the new ones."""
    pairs = _expand(data, groups, aliases or {}, where, ())
    return Selector(key=selector_key(data), pairs=tuple(sorted(set(pairs))))


def _expand(data: Any, groups: Mapping[str, Any], aliases: Mapping[str, str], where: str,
            stack: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
    if isinstance(data, str):
        return _expand_name(data, groups, aliases, where, stack)
    if isinstance(data, list):
        if not data:
            raise KnowledgeError(where, "an empty drug selector matches nothing")
        return [pair for item in data for pair in _expand(item, groups, aliases, where, stack)]
    if isinstance(data, Mapping) and set(data) <= {"any", "except"} and "any" in data:
        excluded = _prefixes(_expand(data.get("except", []) or [], groups, aliases, where, stack)) if data.get("except") else ()
        return [(inc, tuple(sorted(set(exc) | set(excluded)))) for inc, exc in _expand(data["any"], groups, aliases, where, stack)]
    raise KnowledgeError(where, f"a drug selector is an ATC code, a group id, a list, or {{any, except}}; got {data!r}")


def _expand_name(name: str, groups: Mapping[str, Any], aliases: Mapping[str, str], where: str,
                 stack: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
    if is_atc(name):
        return [(aliases.get(name, name), ())]
    group = groups.get(name)
    if group is None:
        raise KnowledgeError(where, f"unknown drug group {name!r} (not an ATC code either); define it in knowledge/groups/")
    if name in stack:
        raise KnowledgeError(where, f"drug group {name!r} contains itself: {' -> '.join(stack + (name,))}")
    inner = stack + (name,)
    members = _expand(list(group.members), groups, aliases, f"group {name}", inner)
    if not group.except_:
        return members
    excluded = _prefixes(_expand(list(group.except_), groups, aliases, f"group {name}", inner))
    return [(inc, tuple(sorted(set(exc) | set(excluded)))) for inc, exc in members]


def _prefixes(pairs: list[tuple[str, tuple[str, ...]]]) -> tuple[str, ...]:
    return tuple(sorted({inc for inc, _ in pairs}))
