"""Shared fixtures: the bundled knowledge base, a tiny fixture base, the shared cases."""

from __future__ import annotations

from pathlib import Path

import pytest

import mbo
from mbo import Knowledge

HERE = Path(__file__).resolve().parent
MINI = HERE / "fixtures" / "mini" / "knowledge"
SHARED = HERE.parent.parent / "shared"
CASES = SHARED / "cases"
SYNTHEA = SHARED / "synthea"


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    """The bundled knowledge base."""
    return mbo.load_knowledge()


@pytest.fixture(scope="session")
def mini() -> Knowledge:
    """A tiny knowledge base whose content the engine tests control."""
    return mbo.load_knowledge(MINI)


@pytest.fixture
def shared() -> Path:
    if not CASES.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED
