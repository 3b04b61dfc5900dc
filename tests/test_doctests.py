"""The examples in the docstrings are right."""

from __future__ import annotations

import doctest

import pytest

from mbo import _dosage, _egfr, _i18n


@pytest.mark.parametrize("module", [_dosage, _egfr, _i18n], ids=lambda m: m.__name__)
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0
