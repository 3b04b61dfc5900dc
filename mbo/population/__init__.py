"""Population screening, sequence symmetry and synthetic dispensing data, on polars.

    records (CSV / Parquet) --read_records--> Records (lazy)
    Records --screen--> ranked patients with reasons (+ full reviews of the selected)
    Records --pssa--> sequence ratios per cascade or index/marker pair
    synth --> realistic synthetic records with planted cascades

The record schema is described in `mbo.population._records`. The public entry points (`mbo.screen`,
`mbo.pssa`, `mbo.synth`) load this package on first use.
"""

from __future__ import annotations

from ._pssa import PssaPair, cascade_pairs, null_sequence_ratio, pssa, sequence_ratio_interval
from ._records import RECORD_COLUMNS, Records, read_records
from ._screen import ScreenResult, medicines_in_use, patient_documents, screen
from ._synth import synth
from ._distributed import screen_distributed
from ._omop import read_omop

__all__ = ["screen", "screen_distributed", "ScreenResult", "pssa", "PssaPair", "cascade_pairs", "sequence_ratio_interval",
           "null_sequence_ratio", "synth", "read_records", "read_omop", "Records", "RECORD_COLUMNS", "medicines_in_use",
           "patient_documents"]

