"""Drug selectors: prefixes, groups within groups, exceptions, renamed codes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mbo import KnowledgeError
from mbo._selectors import compile_selector

GROUPS = {
    "nsaid": SimpleNamespace(members=["M01A"], except_=["M01AX05"]),
    "anticoagulant": SimpleNamespace(members=["B01AA", "doac"], except_=[]),
    "doac": SimpleNamespace(members=["B01AF", "B01AE07"], except_=[]),
    "loop": SimpleNamespace(members=["loop"], except_=[]),
}


def test_prefixes_groups_and_exceptions() -> None:
    nsaid = compile_selector("nsaid", GROUPS, "t")
    assert nsaid.matches("M01AE01") and not nsaid.matches("M01AX05") and not nsaid.matches("N02BE01")
    anticoagulant = compile_selector("anticoagulant", GROUPS, "t")
    assert all(anticoagulant.matches(c) for c in ("B01AA07", "B01AF02", "B01AE07"))
    assert not anticoagulant.matches("B01AC06")
    narrowed = compile_selector({"any": ["anticoagulant"], "except": ["B01AA"]}, GROUPS, "t")
    assert narrowed.matches("B01AF01") and not narrowed.matches("B01AA07")


def test_renamed_codes_in_a_rule_mean_the_new_code() -> None:
    sel = compile_selector(["N03AX16"], GROUPS, "t", aliases={"N03AX16": "N02BF02"})
    assert sel.matches("N02BF02") and not sel.matches("N03AX16")


@pytest.mark.parametrize("data, message", [("nope", "unknown drug group"), ("loop", "contains itself"), ([], "empty")])
def test_broken_selectors_are_refused(data: object, message: str) -> None:
    with pytest.raises(KnowledgeError, match=message):
        compile_selector(data, GROUPS, "t")
