"""Records per patient and medicine: the raw medicine of a record (ATC code and/or product text) becomes a
medicine key once per distinct value, never row by row, so a hundred million rows cost one grouping pass.

    rows --group by (patient as given, atc, product) + aggregates--> raw groups (one per patient and spelling)
         --medicine_keys on the distinct (atc, product)--> key; patient id trimmed
         --the caller regroups by (patient_id, key)--> one row per patient and medicine

A medicine key is the ATC code (trimmed, in capitals, renamed codes read as the new ones), else the
resolved product (an ATC code or "A+B" for a combination), else "?" and the normalised text: unknown
medicines are kept and flagged, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from .._knowledge import Knowledge
from .._resolve import resolve_medicine
from .._selectors import ATC_CODE
from ._records import Records, normal_atc

__all__ = ["resolve_products", "medicine_keys", "medicine_groups"]


def resolve_products(kb: Knowledge, products: Iterable[str]) -> pl.DataFrame:
    """Product text → medicine key: the resolved ATC code, else "?" and the normalised text (kept, never dropped)."""
    out_p, out_k = [], []
    for text in sorted(set(products)):
        res = resolve_medicine(kb, text)
        out_p.append(text)
        out_k.append(res.atc if res.atc else ("+".join(sorted(res.components)) if res.components
                                               else "?" + " ".join(text.lower().split())))
    return pl.DataFrame({"product": out_p, "_resolved": out_k}, schema={"product": pl.String, "_resolved": pl.String})


def _atc_key(kb: Knowledge, value: str | None) -> str | None:
    code = normal_atc(value)
    if code is None:
        return None
    if not re.match(ATC_CODE, code):
        return "?" + code.lower()
    return kb.aliases.get(code, code)


def medicine_keys(kb: Knowledge, distinct: pl.DataFrame, medicines: tuple[str, ...]) -> pl.DataFrame:
    """The distinct raw medicines (columns `medicines` of atc/product, as in the records) with their `key`."""
    atcs = distinct["atc"].cast(pl.String).to_list() if "atc" in medicines else [None] * distinct.height
    products = distinct["product"].cast(pl.String).to_list() if "product" in medicines else [None] * distinct.height
    need = {p.strip() for a, p in zip(atcs, products) if _atc_key(kb, a) is None and p and p.strip()}
    resolved = dict(resolve_products(kb, need).iter_rows()) if need else {}
    keys = []
    for atc, product in zip(atcs, products):
        key = _atc_key(kb, atc)
        if key is None:
            text = (product or "").strip()
            key = resolved.get(text, "?") if text else "?"
        keys.append(key)
    return distinct.select(medicines).with_columns(pl.Series("key", keys, pl.String))


def medicine_groups(records: Records, kb: Knowledge, rows: pl.LazyFrame, *aggs: pl.Expr) -> pl.DataFrame:
    """`rows` (of `records`) grouped by patient and raw medicine with `aggs`, with the trimmed `patient_id`,
    the `key` and the raw columns (`raw_patient_id` and `records.medicines`) to join the rows back on."""
    by = ["patient_id", *records.medicines]
    groups = rows.group_by(by).agg(*aggs).collect(engine="streaming")
    keys = medicine_keys(kb, groups.select(records.medicines).unique(), records.medicines)
    return (groups.join(keys, on=list(records.medicines), how="left", nulls_equal=True)
            .rename({"patient_id": "raw_patient_id"})
            .with_columns(pl.col("raw_patient_id").str.strip_chars().alias("patient_id")))
