"""Every example of every rule in the bundled knowledge base, one test each: `pytest -k STOPP-E4`."""

from __future__ import annotations

import pytest

import mbo
from mbo._kb_examples import ExampleCase, example_cases, run_example

_KB = mbo.load_knowledge()
_CASES = example_cases(_KB)


@pytest.mark.parametrize("case", _CASES, ids=[c.name for c in _CASES])
def test_rule_example(case: ExampleCase) -> None:
    result = run_example(_KB, case)
    assert result.passed, f"{case.name}: {result.message}"


def test_every_rule_has_both_kinds_of_example_and_a_source() -> None:
    for rule in _KB.iter_rules():
        assert rule.sources and all(s.strip() for s in rule.sources), rule.id
        assert rule.examples.fire and rule.examples.quiet, rule.id
