"""The public front is small and stays that way on purpose."""

from __future__ import annotations

import mbo


def test_public_names() -> None:
    assert sorted(mbo.__all__) == sorted([
        "review", "render", "screen", "pssa", "synth", "ScreenResult", "FORMATS", "REPORTS", "render_picture", "to_fhir", "from_fhir", "load_knowledge",
        "native_schema", "Review", "Finding", "MedicationEntry", "Patient", "Knowledge", "Store",
        "MboError", "InputError", "KnowledgeError", "RenderError",
    ])
    for name in mbo.__all__:
        assert getattr(mbo, name).__doc__, name


def test_errors_share_one_base() -> None:
    assert issubclass(mbo.InputError, mbo.MboError) and issubclass(mbo.KnowledgeError, mbo.MboError)
    assert issubclass(mbo.RenderError, mbo.MboError)
