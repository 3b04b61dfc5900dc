"""One detector per family of drug-related problem; each is a pure function of the review context."""

from __future__ import annotations

from collections.abc import Callable

from .._context import ReviewContext
from ._base import Draft
from .burden import detect_burden
from .cascades import detect_cascades
from .criteria import (detect_contraindications, detect_dose_limits, detect_duplications, detect_inappropriate,
                       detect_omissions)
from .discrepancies import detect_discrepancies
from .indications import detect_no_indication
from .interactions import detect_interactions
from .renal import detect_renal

__all__ = ["DETECTORS", "Draft"]

DETECTORS: tuple[Callable[[ReviewContext], list[Draft]], ...] = (
    detect_interactions,
    detect_contraindications,
    detect_cascades,
    detect_inappropriate,
    detect_omissions,
    detect_renal,
    detect_dose_limits,
    detect_duplications,
    detect_no_indication,
    detect_burden,
    detect_discrepancies,
)
