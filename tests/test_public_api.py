"""The public front is small and stays that way on purpose."""

from __future__ import annotations

import mbo


def test_public_names() -> None:
    assert sorted(mbo.__all__) == sorted([
        "review", "render", "FORMATS", "load_knowledge", "native_schema",
        "Review", "Finding", "MedicationEntry", "Patient", "Knowledge",
        "MboError", "InputError", "KnowledgeError",
    ])
    for name in mbo.__all__:
        assert getattr(mbo, name).__doc__, name


def test_errors_share_one_base() -> None:
    assert issubclass(mbo.InputError, mbo.MboError) and issubclass(mbo.KnowledgeError, mbo.MboError)
