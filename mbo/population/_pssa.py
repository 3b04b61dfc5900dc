"""Prescription sequence symmetry analysis (Hallas 1996; as OHDSI CohortSymmetry computes it).

For an index and a marker drug (each a knowledge-base selector or ATC codes/prefixes):

- incident users: a patient's first dispensing of the drug comes at least `washout_days` after the
  patient's first record of any kind (the start of what the data can see);
- pairs: patients incident for both, first dates 1..`window_days` apart (same-day pairs are left out);
- crude sequence ratio = index-first / marker-first;
- null-effect ratio from daily counts in a moving window of `nsr_window_days` (default 548): for each
  index date t, the marker dates in (t, t + w] against those in [t - w, t) and (t, t + w];
  a = the first summed over the index dates / the second summed; null = a / (1 - a). The dates are, by
  default (`null_model="population"`, Hallas 1996; Tsiropoulos 2009), those of every incident user of
  the index and of the marker drug in the population, so the trend in each drug's uptake is corrected
  for; `null_model="pairs"` uses, as CohortSymmetry does, only the first dates of the pairs themselves
  (index-first pairs as index dates, marker-first pairs as marker dates), which is undefined when one
  of the two counts is zero;
- adjusted ratio = crude / null;
- 95 % interval: beta quantiles with 0.5 added to each count (a zero count taken as 0.5 first),
  p / (1 - p) as odds; the adjusted interval is the crude one divided by the null ratio.

CohortSymmetry's moving-window denominator also subtracts the marker count of the same day; that term
counts nothing the window sums counted (both exclude the day itself), so it is left out here.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from .._errors import InputError
from .._knowledge import Knowledge, load_knowledge
from .._selectors import Selector, compile_selector, is_atc
from ._records import Records, read_records
from ._medicines import medicine_groups
from ._progress import ProgressFn, Steps
from ._tables import components_of

__all__ = ["PssaPair", "pssa", "sequence_ratio_interval", "null_sequence_ratio", "first_dispensings"]

DEFAULT_WASHOUT = 365
DEFAULT_WINDOW = 365
DEFAULT_NSR_WINDOW = 548


@dataclass(frozen=True)
class PssaPair:
    """One index → marker pair to analyse: `id` (a cascade id or "INDEX->MARKER") and its selectors."""

    id: str
    index: Selector
    marker: Selector
    window_days: int = DEFAULT_WINDOW


def sequence_ratio_interval(index_first: float, marker_first: float, level: float = 0.95) -> tuple[float, float]:
    """The interval of a sequence ratio from beta quantiles, +0.5 on each count, as odds.

        >>> [round(x, 3) for x in sequence_ratio_interval(3, 1)]
        [0.396, 34.124]
    """
    if index_first == 0 and marker_first == 0:
        return (math.nan, math.nan)
    a = (index_first or 0.5) + 0.5
    b = (marker_first or 0.5) + 0.5
    from scipy.stats import beta  # only here: scipy takes a moment to import

    tail = (1 - level) / 2
    lo, hi = beta.ppf(tail, a, b), beta.ppf(1 - tail, a, b)
    return (float(lo / (1 - lo)), float(hi / (1 - hi)) if hi < 1 else math.inf)


def null_sequence_ratio(index_days: Sequence[int] | np.ndarray, marker_days: Sequence[int] | np.ndarray,
                        window: int = DEFAULT_NSR_WINDOW) -> float:
    """The null-effect sequence ratio from the first dates (day numbers) of index-first and marker-first pairs."""
    idx = np.asarray(index_days, dtype=np.int64)
    mk = np.sort(np.asarray(marker_days, dtype=np.int64))
    if idx.size == 0 or mk.size == 0:
        return math.nan
    after = np.searchsorted(mk, idx + window, side="right") - np.searchsorted(mk, idx, side="right")
    before = np.searchsorted(mk, idx, side="left") - np.searchsorted(mk, idx - window, side="left")
    numer, denom = float(after.sum()), float((after + before).sum())
    if denom == 0:
        return math.nan
    a = numer / denom
    return a / (1 - a) if a < 1 else math.inf


def first_dispensings(records: Records, kb: Knowledge) -> pl.LazyFrame:
    """Per patient and medicine key the first dispensing date, with the patient's first record date."""
    groups = medicine_groups(records, kb, records.rows, pl.col("date").min().alias("first"))
    firsts = groups.group_by(["patient_id", "key"]).agg(pl.col("first").min())
    entry = firsts.group_by("patient_id").agg(pl.col("first").min().alias("entry"))
    return firsts.join(entry, on="patient_id").lazy()


def _selector(kb: Knowledge, text: str, where: str) -> Selector:
    parts = [p.strip().upper() if is_atc(p.strip().upper()) else p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise InputError("(options)", where, "give an ATC code, prefix or drug group id")
    for p in parts:
        if not is_atc(p) and p not in kb.groups:
            raise InputError("(options)", where, f"{p!r} is neither an ATC code or prefix nor a drug group id")
    return compile_selector(parts if len(parts) > 1 else parts[0], kb.groups, where, kb.aliases)


def cascade_pairs(kb: Knowledge) -> list[PssaPair]:
    """One pair per cascade of the knowledge base, with the cascade's own window."""
    return [PssaPair(c.rule.id, c.index, c.marker, c.rule.window_days) for c in kb.cascades]


def pssa(source: str | os.PathLike[str] | Records, *, pairs: Iterable[PssaPair] | None = None,
         index: str | None = None, marker: str | None = None, knowledge: Knowledge | None = None,
         washout_days: int = DEFAULT_WASHOUT, window_days: int | None = None,
         nsr_window_days: int = DEFAULT_NSR_WINDOW, level: float = 0.95,
         null_model: Literal["population", "pairs"] = "population", progress: ProgressFn | None = None) -> pl.DataFrame:
    """Sequence symmetry for every cascade of the knowledge base, or for the given pairs / index+marker.

    `index` and `marker` are ATC codes, prefixes or drug group ids (comma-separated for several).
    `window_days` overrides each pair's window (the cascade's own, else 365). One row per pair:
    id, index_first, marker_first, crude, crude_low, crude_high, null, adjusted, adjusted_low, adjusted_high.
    `progress(step, done, total)` is called as each step begins (reading, first dispensings, each pair).

        >>> pssa("afleveringen.parquet", index="C08CA", marker="C03C")   # doctest: +SKIP
    """
    kb = knowledge or load_knowledge()
    if (index is None) != (marker is None):
        raise InputError("(options)", "--index" if index is None else "--marker", "give both --index and --marker")
    if index is not None and marker is not None:
        pair_list = [PssaPair(f"{index}->{marker}", _selector(kb, index, "--index"), _selector(kb, marker, "--marker"))]
    else:
        pair_list = list(pairs) if pairs is not None else cascade_pairs(kb)
    steps = Steps(progress, 3 + len(pair_list))
    steps("checking the records")
    records = source if isinstance(source, Records) else read_records(source)
    steps("first dispensings per patient and medicine")
    # patients and pairs as small integers from here on: the (patient, pair, role) groups are many
    firsts = first_dispensings(records, kb).select(
        pl.col("patient_id").cast(pl.Categorical).to_physical().alias("patient"), "key", "first", "entry")
    keys = firsts.select("key").unique().collect(engine="streaming")["key"].sort().to_list()
    codes = {k: components_of(kb, k) + ((k,) if not k.startswith("?") and "+" not in k else ()) for k in keys}
    r_key, r_pair, r_index = [], [], []
    for n, p in enumerate(pair_list):
        for k in keys:
            for is_index, selector in ((True, p.index), (False, p.marker)):
                if selector.matches_any(codes[k]):
                    r_key.append(k)
                    r_pair.append(n)
                    r_index.append(is_index)
    roles = pl.DataFrame({"key": r_key, "pair": r_pair, "index": r_index},
                         schema={"key": pl.String, "pair": pl.UInt32, "index": pl.Boolean})
    # the first date of the class: a patient must be incident for the whole index (marker) selector
    steps("incident users per pair")
    all_firsts = (firsts.join(roles.lazy(), on="key")
                  .group_by(["patient", "pair", "index"]).agg(pl.col("first").min(), pl.col("entry").first())
                  .filter((pl.col("first") - pl.col("entry")).dt.total_days() >= washout_days)
                  .collect(engine="streaming"))
    index_all = all_firsts.filter(pl.col("index")).select("patient", "pair", pl.col("first").alias("i"))
    marker_all = all_firsts.filter(~pl.col("index")).select("patient", "pair", pl.col("first").alias("m"))
    wide = (index_all.join(marker_all, on=["patient", "pair"])
            .with_columns((pl.col("m") - pl.col("i")).dt.total_days().alias("gap"),
                          pl.min_horizontal("i", "m").cast(pl.Int32).alias("day")))
    rows: list[dict[str, Any]] = []
    by_pair = {k[0]: g for k, g in wide.partition_by("pair", as_dict=True).items()} if wide.height else {}
    inc_i = {k[0]: g["i"].cast(pl.Int32).to_numpy() for k, g in index_all.partition_by("pair", as_dict=True).items()} \
        if index_all.height else {}
    inc_m = {k[0]: g["m"].cast(pl.Int32).to_numpy() for k, g in marker_all.partition_by("pair", as_dict=True).items()} \
        if marker_all.height else {}
    empty = np.array([], dtype=np.int64)
    for n, p in enumerate(pair_list):
        steps(p.id)
        g = by_pair.get(n)
        w = window_days or p.window_days
        if g is not None:
            g = g.filter((pl.col("gap") != 0) & (pl.col("gap").abs() <= w))
            idx_days = g.filter(pl.col("gap") > 0)["day"].to_numpy()
            mk_days = g.filter(pl.col("gap") < 0)["day"].to_numpy()
        else:
            idx_days = mk_days = empty
        if null_model == "pairs":
            nsr = null_sequence_ratio(idx_days, mk_days, nsr_window_days)
        else:
            nsr = null_sequence_ratio(inc_i.get(n, empty), inc_m.get(n, empty), nsr_window_days)
        rows.append(_ratios(p.id, len(idx_days), len(mk_days), nsr, w, level))
    steps.finish()
    return pl.DataFrame(rows, schema={"id": pl.String, "window_days": pl.Int32, "index_first": pl.Int64,
                                      "marker_first": pl.Int64, "crude": pl.Float64, "crude_low": pl.Float64,
                                      "crude_high": pl.Float64, "null": pl.Float64, "adjusted": pl.Float64,
                                      "adjusted_low": pl.Float64, "adjusted_high": pl.Float64})


def _ratios(pid: str, n_i: int, n_m: int, nsr: float, window: int, level: float) -> dict[str, Any]:
    crude = n_i / n_m if n_m else (math.inf if n_i else math.nan)
    lo, hi = sequence_ratio_interval(n_i, n_m, level)
    ok = not math.isnan(nsr) and nsr > 0
    return {"id": pid, "window_days": window, "index_first": n_i, "marker_first": n_m, "crude": crude,
            "crude_low": lo, "crude_high": hi, "null": nsr,
            "adjusted": crude / nsr if ok else math.nan,
            "adjusted_low": lo / nsr if ok else math.nan, "adjusted_high": hi / nsr if ok else math.nan}

