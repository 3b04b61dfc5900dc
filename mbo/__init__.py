"""mbo — structured medication review (medicatiebeoordeling) for older people with many medicines.

    >>> import mbo
    >>> r = mbo.review("patient.json")            # doctest: +SKIP
    >>> print(mbo.render(r, "text"))              # doctest: +SKIP

The whole public API is listed in `__all__`; every other module may change.
"""

from __future__ import annotations

from ._engine import review
from ._errors import InputError, KnowledgeError, MboError
from ._knowledge import Knowledge, load_knowledge
from ._patient import Patient
from ._review import Finding, MedicationEntry, Review
from .readers import native_schema
from .render import FORMATS, render

__all__ = [
    "review", "render", "FORMATS", "load_knowledge", "native_schema",
    "Review", "Finding", "MedicationEntry", "Patient", "Knowledge",
    "MboError", "InputError", "KnowledgeError",
]

__version__ = "0.1.0"
