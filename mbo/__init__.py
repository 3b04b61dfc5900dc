"""mbo — structured medication review (medicatiebeoordeling) for older people with many medicines.

    >>> import mbo
    >>> r = mbo.review("patient.json")            # doctest: +SKIP
    >>> print(mbo.render(r, "text"))              # doctest: +SKIP

The whole public API is listed in `__all__`; every other module may change.
"""

from __future__ import annotations

from typing import Any

from ._engine import review
from ._errors import InputError, KnowledgeError, MboError, RenderError
from ._fhir_output import from_fhir, to_fhir
from ._knowledge import Knowledge, load_knowledge
from ._patient import Patient
from ._review import Finding, MedicationEntry, Review
from ._store import Store
from .readers import native_schema
from .render import FORMATS, REPORTS, render, render_picture

__all__ = [
    "review", "render", "screen", "pssa", "synth", "ScreenResult", "FORMATS", "REPORTS", "render_picture", "to_fhir", "from_fhir", "load_knowledge", "native_schema",
    "Review", "Finding", "MedicationEntry", "Patient", "Knowledge", "Store",
    "MboError", "InputError", "KnowledgeError", "RenderError",
]

__version__ = "0.1.0"

_SCREEN = ("screen", "pssa", "synth", "ScreenResult")


def __getattr__(name: str) -> Any:
    """The population tools (polars, numpy, scipy) load on first use, so `mbo review` starts as fast as before."""
    if name in _SCREEN:
        import importlib

        return getattr(importlib.import_module("mbo.population"), name)
    raise AttributeError(f"module 'mbo' has no attribute {name!r}")
