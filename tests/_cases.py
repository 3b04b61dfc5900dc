"""The public review cases as test parameters: one per case, or a single skipped one when ../shared is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parent.parent.parent / "shared" / "cases"
NAMES = sorted(p.name.removesuffix(".json") for p in CASES.glob("*.json") if not p.name.endswith(".expected.json")) \
    if CASES.is_dir() else []
CASE_PARAMS = NAMES or [pytest.param("none", marks=pytest.mark.skip(reason="../shared is not beside the checkout"))]


def case_path(name: str) -> Path:
    return CASES / f"{name}.json"
