"""Population screening: who needs a medication review, and why.

    records --episodes--> medicines in use at the reference date (per patient)
            --join knowledge tables--> burden, cascade patterns, high-severity interactions
            --rank--> one row per patient with reasons; summary

Dispensing episodes: the dispensings of one medicine to one patient, sorted by date, form one episode
while each next dispensing comes no later than the covered days so far plus the grace period. A medicine
is in use when its last episode (dispensings up to the reference date) covers the reference date with the
grace period. It is chronic as the guideline defines it for dispensing data (knowledge/selection.yaml):
dispensed at least four times in the year up to the reference date, or once there for 90 days or more;
chronic medicines are counted per ATC3 group, dermatological preparations left out.

The Dutch selection (guideline "Polyfarmacie bij ouderen" 2020, module medicatiebeoordeling): aged 75 or
over with 10 or more chronic medicines, or frail (a condition that maps to the knowledge base's frailty
concept). Cascade patterns and interactions are screening signals among the medicines in use; the full
review (`review=True`) weighs conditions, labs and context and is the answer for one patient.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from .._engine import review_patient
from .._errors import InputError
from .._kb_schema import Selection
from .._knowledge import Knowledge, load_knowledge
from .._review import Review
from .._selectors import ATC_CODE, ATC_LEVEL_LENGTH
from ..readers._native import read_native
from ._records import Records, read_records
from ._episodes import KeyLayout, last_episodes
from ._medicines import medicine_groups
from ._progress import ProgressFn, Steps
from ._tables import KnowledgeTables

__all__ = ["ScreenResult", "screen", "write_frame", "medicines_in_use", "patient_documents", "screen_frame",
           "rank_patients", "review_selected", "burden_scales", "summarise"]



@dataclass
class ScreenResult:
    """The screening of a population at one reference date.

    `patients`: one row per patient with a medicine in use, ranked (rank 1 first); `summary`: counts;
    `reviews`: patient id → full Review for the selected patients when asked (`review=True`).
    """

    reference_date: dt.date
    patients: pl.DataFrame
    summary: dict[str, Any]
    reviews: dict[str, Review] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)

    def table(self) -> pl.DataFrame:
        """The ranked patients, with `review_findings` and `review_rules` when the selected were reviewed."""
        if not self.reviews:
            return self.patients
        counts = pl.DataFrame({"patient_id": list(self.reviews),
                               "review_findings": [len(r.findings) for r in self.reviews.values()],
                               "review_rules": [";".join(f.rule for f in r.findings) for r in self.reviews.values()]},
                              schema={"patient_id": pl.String, "review_findings": pl.Int32, "review_rules": pl.String})
        return self.patients.join(counts, on="patient_id", how="left", maintain_order="left")

    def to_json(self) -> str:
        """One JSON object: summary, patients (ranked) and, when reviewed, each selected patient's findings."""
        doc: dict[str, Any] = {"summary": self.summary, "patients": self.patients.to_dicts()}
        if self.reviews:
            doc["reviews"] = {pid: [f.model_dump(mode="json") for f in r.findings] for pid, r in self.reviews.items()}
        return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False, allow_nan=False) + "\n"

    def write(self, path: str | os.PathLike[str] | None, fmt: Literal["csv", "parquet", "json"]) -> str | None:
        """Write the result as CSV, Parquet or JSON to `path`; with no path return the text (CSV or JSON)."""
        return write_frame(self.table(), path, fmt, json_text=self.to_json)


def write_frame(frame: pl.DataFrame, path: str | os.PathLike[str] | None, fmt: str,
                json_text: Any = None) -> str | None:
    """Write a frame as csv, parquet or json (rows as objects) to a path, or return the CSV/JSON text."""
    if fmt == "parquet":
        if path is None:
            raise InputError("(options)", "--output", "Parquet output needs a file: give -o FILE.parquet")
        frame.write_parquet(str(path))
        return None
    if fmt == "json":
        finite = frame.with_columns(pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c)
                                    for c, t in frame.schema.items() if t.is_float())
        text = json_text() if json_text is not None else json.dumps(
            finite.to_dicts(), ensure_ascii=False, indent=1, allow_nan=False, default=str) + "\n"
    else:
        text = frame.write_csv(float_precision=6, date_format="%Y-%m-%d")
    if path is None:
        return text
    Path(path).write_text(text, encoding="utf-8")
    return None


_EPOCH = dt.date(1970, 1, 1)
SCREEN_STEPS = 5  # checking, grouping, episodes, knowledge, ranking (+ one per reviewed patient)


def medicines_in_use(records: Records, kb: Knowledge, reference_date: dt.date, *, grace_days: int = 30,
                     chronic_days: int | None = None, steps: Steps | None = None,
                     pairs_per_chunk: int | None = None) -> pl.DataFrame:
    """Per patient the medicines in use at the reference date: patient_id, key, start, end, prescriber, product, chronic.

    Memory follows the medicines in use rather than the rows: a streaming grouping finds the (patient,
    medicine) pairs whose dispensings cover the reference date; a second streaming pass turns only their
    dispensings into one 64-bit key each (see `mbo.population._episodes`), from which one sort finds where
    each pair's last episode began and who prescribed in it. `pairs_per_chunk` caps the pairs per key array
    (default: as many as the key's free bits number; tests set it low to exercise the chunked path).
    `chronic_days` overrides the knowledge base's days' supply that makes one dispensing chronic.
    """
    chronic = kb.selection.chronic
    recent = pl.col("date") > reference_date - dt.timedelta(days=chronic.window_days)
    steps = steps or Steps(None, 2)
    steps("grouping dispensings per patient and medicine")
    ref_day = (reference_date - _EPOCH).days
    rows = records.rows.filter(pl.col("date") <= reference_date)
    day = pl.col("date").cast(pl.Int32)
    groups = medicine_groups(records, kb, rows, (day + pl.col("days_supply")).max().alias("end"),
                             day.min().alias("first"), pl.col("days_supply").max().alias("supply"),
                             recent.sum().alias("recent"), pl.col("days_supply").filter(recent).max().alias("recent_supply"))
    pairs = (groups.group_by(["patient_id", "key"])
             .agg(pl.col("end").max(), pl.col("recent").sum(), pl.col("recent_supply").max())
             .filter(pl.col("end") + grace_days >= ref_day)
             .sort(["patient_id", "key"]).with_row_index("pair"))
    day0, last_end, max_supply = (int(v or 0) for v in groups.select(
        pl.col("first").min(), pl.col("end").max(), pl.col("supply").max()).row(0))
    products = _ranks(groups["product"]) if "product" in records.medicines else None
    prescribers = _ranks(rows.select(pl.col("prescriber").unique()).collect(engine="streaming")["prescriber"])
    layout = KeyLayout.fit(max_day=last_end - day0, max_supply=max_supply,
                           products=products.height if products is not None else 0, prescribers=prescribers.height)
    link = groups.join(pairs.select("patient_id", "key", "pair"), on=["patient_id", "key"])
    if products is not None:
        link = link.join(products.rename({"value": "product"}), on="product", how="left")
    link = link.select(pl.col("raw_patient_id").alias("patient_id"), *records.medicines, "pair",
                       (pl.col("rank").fill_null(0) if products is not None else pl.lit(0)).cast(pl.UInt64).alias("_p"))
    del groups
    steps("finding the current episodes")
    chunk = min(layout.pairs_per_chunk, pairs_per_chunk or layout.pairs_per_chunk)
    found = [_chunk_episodes(rows, link, prescribers, layout, day0, lo, min(pairs.height, lo + chunk), grace_days,
                             records.medicines) for lo in range(0, pairs.height, chunk)]
    start, product_rank, prescriber_rank = ((np.concatenate(parts) for parts in zip(*found)) if found
                                            else (np.zeros(0, np.int64) for _ in range(3)))
    return (pairs.with_columns(pl.Series("start", start + day0).cast(pl.Int32).cast(pl.Date),
                               _texts(prescribers, prescriber_rank, "prescriber"),
                               _texts(products, product_rank, "product"))
            .select("patient_id", "key", "start", pl.col("end").cast(pl.Date), "prescriber", "product",
                    ((pl.col("recent") >= chronic.min_dispensings)
                     | (pl.col("recent_supply").fill_null(0) >= (chronic_days or chronic.min_days_supply)))
                    .alias("chronic")))


def _ranks(values: pl.Series) -> pl.DataFrame:
    """The distinct non-null values (as the records hold them) with their rank 1.. in text order."""
    distinct = values.drop_nulls().unique()
    return (pl.DataFrame({"value": distinct}).with_columns(pl.col("value").cast(pl.String).alias("_text"))
            .sort("_text").with_row_index("rank", offset=1).select("value", pl.col("rank").cast(pl.UInt64), "_text"))


def _texts(ranks: pl.DataFrame | None, chosen: np.ndarray, name: str) -> pl.Series:
    """The trimmed text of each chosen rank (0: none)."""
    if ranks is None:
        return pl.Series(name, [None] * chosen.size, pl.String)
    names = pl.Series([None, *ranks["_text"].to_list()], dtype=pl.String).str.strip_chars()
    return names.gather(chosen).alias(name)


def _chunk_episodes(rows: pl.LazyFrame, link: pl.DataFrame, prescribers: pl.DataFrame, layout: KeyLayout, day0: int,
                    lo: int, hi: int, grace_days: int, medicines: tuple[str, ...],
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`last_episodes` for pairs lo..hi-1: one streaming pass turns their dispensings into keys."""
    base = ((pl.col("pair") - lo).cast(pl.UInt64) * (1 << layout.shift("pair"))
            + pl.col("_p") * (1 << layout.shift("product")))
    part = link.filter(pl.col("pair").is_between(lo, hi - 1)).select("patient_id", *medicines, base.alias("_base"))
    key = (pl.col("_base") + ((pl.col("date").cast(pl.Int32) - day0).cast(pl.UInt64) * (1 << layout.shift("day")))
           + pl.col("days_supply").clip(0).cast(pl.UInt64) * (1 << layout.shift("supply"))
           + pl.col("rank").fill_null(0))
    keys = (rows.join(part.lazy(), on=["patient_id", *medicines], nulls_equal=True)
            .join(prescribers.select(pl.col("value").alias("prescriber"), "rank").lazy(), on="prescriber", how="left")
            .select(key.alias("key")).collect(engine="streaming")["key"].to_numpy(writable=True))
    return last_episodes(keys, layout, hi - lo, grace_days)


def _birth(birth_year: pl.Expr) -> pl.Expr:
    """The birth date taken for a birth year: 1 July (as the readers read a bare year)."""
    return pl.date(birth_year, 7, 1)


def _frail(records: Records, kb: Knowledge) -> pl.DataFrame:
    empty = pl.DataFrame({"patient_id": [], "frail": []}, schema={"patient_id": pl.String, "frail": pl.Boolean})
    if records.conditions is None:
        return empty
    cond = records.conditions.select("patient_id", "code", "system", "text").collect()
    distinct = cond.select("code", "system", "text").unique()
    wanted = set(kb.selection.frailty_conditions)
    frail = [bool(wanted & kb.condition_concepts(r["system"], r["code"], r["text"])) for r in distinct.iter_rows(named=True)]
    hits = distinct.with_columns(pl.Series("frail", frail, pl.Boolean)).filter(pl.col("frail"))
    return (cond.join(hits, on=["code", "system", "text"], how="inner", nulls_equal=True)
            .select("patient_id").unique().with_columns(pl.lit(True).alias("frail")))


def _cascades(in_use: pl.DataFrame, t: KnowledgeTables) -> pl.DataFrame:
    roles = in_use.select("patient_id", "key", "start").join(t.roles, on="key").join(t.meds.select("key", "components"), on="key")
    index = roles.filter(pl.col("role") == "index").drop("role")
    marker = roles.filter(pl.col("role") == "marker").drop("role")
    pairs = (index.join(marker, on=["patient_id", "rule"], suffix="_m").join(t.cascades, on="rule")
             .with_columns((pl.col("start_m") - pl.col("start")).dt.total_days().alias("gap"))
             .filter((pl.col("key") != pl.col("key_m"))
                     & (pl.col("components").list.set_intersection("components_m").list.len() == 0)
                     & (pl.col("gap") >= pl.col("min_days")) & (pl.col("gap") <= pl.col("window_days"))))
    return (pairs.group_by("patient_id")
            .agg(pl.col("rule").unique().sort().alias("cascades"),
                 pl.format("{} ({} -> {}, {} d)", "rule", "key", "key_m", "gap").unique().sort().alias("_cascade_text")))


def _interactions(in_use: pl.DataFrame, t: KnowledgeTables) -> pl.DataFrame:
    roles = (in_use.select("patient_id", "key").join(t.roles, on="key")
             .join(t.meds.select("key", "components"), on="key"))
    found = []
    for n_slots in sorted(set(t.interactions.values())):
        rules = [r for r, n in t.interactions.items() if n == n_slots]
        r = roles.filter(pl.col("rule").is_in(rules))
        combo = r.filter(pl.col("role") == "0").select("patient_id", "rule", pl.col("key").alias("k0"),
                                                        pl.col("components").alias("c0"))
        for slot in range(1, n_slots):
            nxt = r.filter(pl.col("role") == str(slot)).select("patient_id", "rule", pl.col("key").alias(f"k{slot}"),
                                                               pl.col("components").alias(f"c{slot}"))
            combo = combo.join(nxt, on=["patient_id", "rule"])
            for prev in range(slot):
                combo = combo.filter((pl.col(f"k{prev}") != pl.col(f"k{slot}"))
                                     & (pl.col(f"c{prev}").list.set_intersection(f"c{slot}").list.len() == 0))
        found.append(combo.select("patient_id", "rule").unique())
    if not found:
        return pl.DataFrame(schema={"patient_id": pl.String, "interactions": pl.List(pl.String)})
    return (pl.concat(found).group_by("patient_id").agg(pl.col("rule").unique().sort().alias("interactions")))


def screen(source: str | os.PathLike[str] | Records, reference_date: dt.date, *, knowledge: Knowledge | None = None,
           grace_days: int = 30, chronic_days: int | None = None, review: bool = False,
           lang: Literal["nl", "en"] = "nl", patients: str | os.PathLike[str] | None = None,
           conditions: str | os.PathLike[str] | None = None, labs: str | os.PathLike[str] | None = None,
           progress: ProgressFn | None = None) -> ScreenResult:
    """Screen a population's dispensing records at a reference date and rank the patients.

    `source` is a records file or folder (see `mbo.population._records` for the schema) or Records. With
    `review=True` each selected patient is reviewed by the full engine (`ScreenResult.reviews`).
    `progress(step, done, total)` is called as each step begins (see `mbo.population._progress`).

        >>> result = screen("afleveringen.parquet", dt.date(2026, 1, 1))   # doctest: +SKIP
        >>> result.patients.head(10)                                       # doctest: +SKIP
    """
    steps = Steps(progress, SCREEN_STEPS)
    kb = knowledge or load_knowledge()
    steps("checking the records")
    records = source if isinstance(source, Records) else read_records(
        source, patients=patients, conditions=conditions, labs=labs)
    out, in_use = screen_frame(records, kb, reference_date, grace_days=grace_days, chronic_days=chronic_days,
                               steps=steps)
    scales = burden_scales(kb)
    steps("ranking")
    ranked = rank_patients(out, scales, kb.selection)
    result = ScreenResult(reference_date=reference_date, patients=ranked,
                          summary=summarise(ranked, reference_date, scales, kb.selection))
    if review:
        selected = ranked.filter(pl.col("selected"))["patient_id"].to_list()
        result.documents, result.reviews = review_selected(records, in_use, kb, reference_date, selected, lang,
                                                           steps=steps)
        result.summary["reviewed"] = len(result.reviews)
        result.summary["review_findings"] = sum(len(r.findings) for r in result.reviews.values())
    steps.finish()
    return result


def burden_scales(kb: Knowledge) -> list[tuple[str, Any]]:
    """The knowledge base's burden scales as (id, threshold), in order."""
    return [(scale.id, scale.threshold) for scale in kb.burden]


def review_selected(records: Records, in_use: pl.DataFrame, kb: Knowledge, ref: dt.date, selected: list[str],
                    lang: Literal["nl", "en"], steps: Steps | None = None,
                    ) -> tuple[dict[str, dict[str, Any]], dict[str, Review]]:
    """The native documents and full reviews of these patients (by patient id, sorted); a step per patient."""
    steps = steps or Steps(None, 0)
    documents = patient_documents(records, in_use, ref, selected)
    steps.extend(len(documents))
    reviews = {}
    for pid, doc in documents.items():
        steps(f"reviewing {pid}")
        reviews[pid] = review_patient(read_native(kb, doc, f"{records.source}#{pid}", review_date=ref), kb, lang=lang)
    return documents, reviews


def screen_frame(records: Records, kb: Knowledge, ref: dt.date, *, grace_days: int = 30,
                 chronic_days: int | None = None, steps: Steps | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One unranked row per patient with a medicine in use (list columns `cascades`, `interactions`,
    `_cascade_text`), and the medicines in use. Each row depends on that patient's records only."""
    steps = steps or Steps(None, SCREEN_STEPS)
    in_use = medicines_in_use(records, kb, ref, grace_days=grace_days, chronic_days=chronic_days, steps=steps)
    steps("matching the knowledge base: age, frailty, burden, cascades, interactions")
    tables = KnowledgeTables(kb, in_use["key"].unique().to_list())
    counted = pl.col("chronic") & ~_excluded(kb.selection.chronic.exclude_atc)
    per = in_use.group_by("patient_id").agg(
        pl.len().cast(pl.Int32).alias("medicines"),
        _counted_as(kb.selection.chronic.count_atc_level).filter(counted).n_unique().cast(pl.Int32)
        .alias("chronic_medicines"))
    people = records.patients.collect(engine="streaming")
    out = per.join(people, on="patient_id", how="left").with_columns(
        (pl.lit(ref.year) - pl.col("birth_year") - (pl.lit((ref.month, ref.day) < (7, 1))).cast(pl.Int32)).alias("age"))
    out = out.join(_frail(records, kb), on="patient_id", how="left").with_columns(pl.col("frail").fill_null(False))
    burden = in_use.select("patient_id", "key").join(tables.burden, on="key")
    for scale, threshold in tables.scales:
        col = f"burden_{scale}"
        total = burden.filter(pl.col("scale") == scale).group_by("patient_id").agg(pl.col("score").sum().alias(col))
        out = out.join(total, on="patient_id", how="left").with_columns(pl.col(col).fill_null(0).cast(pl.Int32))
    out = out.join(_cascades(in_use, tables), on="patient_id", how="left")
    out = out.join(_interactions(in_use, tables), on="patient_id", how="left")
    out = out.with_columns(pl.col("cascades").fill_null([]).cast(pl.List(pl.String)),
                           pl.col("interactions").fill_null([]).cast(pl.List(pl.String)),
                           pl.col("_cascade_text").fill_null([]).cast(pl.List(pl.String)))
    return out, in_use


def _counted_as(level: int) -> pl.Expr:
    """What one chronic medicine counts as: its ATC code cut to `level`; an unresolved or combination key itself."""
    key = pl.col("key")
    return pl.when(key.str.contains(ATC_CODE)).then(key.str.slice(0, ATC_LEVEL_LENGTH[level])).otherwise(key)


def _excluded(prefixes: list[str]) -> pl.Expr:
    """Medicines whose ATC code starts with one of these (e.g. D: dermatological preparations) are not counted."""
    key = pl.col("key")
    return key.str.contains(ATC_CODE) & pl.any_horizontal(pl.lit(False), *(key.str.starts_with(p) for p in prefixes))


def rank_patients(out: pl.DataFrame, scales: list[tuple[str, Any]], selection: Selection) -> pl.DataFrame:
    """Selection (knowledge/selection.yaml), reasons and ranking of the rows of `screen_frame` (one or several partitions)."""
    min_age, min_meds = selection.min_age, selection.min_chronic_medicines
    age_ok = pl.col("age") >= min_age
    out = out.with_columns((age_ok & ((pl.col("chronic_medicines") >= min_meds) | pl.col("frail"))).alias("selected"))
    reasons = [
        pl.when(age_ok & (pl.col("chronic_medicines") >= min_meds))
        .then(pl.format("age {} >= {} with {} chronic medicines >= {}", "age", pl.lit(min_age), "chronic_medicines",
                        pl.lit(min_meds))),
        pl.when(age_ok & pl.col("frail")).then(pl.format("age {} >= {} and frail", "age", pl.lit(min_age))),
        *(pl.when(pl.col(f"burden_{s}") >= th).then(pl.format("{} {} >= {}", pl.lit(s), f"burden_{s}", pl.lit(th)))
          for s, th in scales),
        pl.when(pl.col("interactions").list.len() > 0)
        .then(pl.lit("high-severity interaction: ") + pl.col("interactions").list.join(", ")),
        pl.when(pl.col("cascades").list.len() > 0)
        .then(pl.lit("cascade pattern: ") + pl.col("_cascade_text").list.join(", ")),
    ]
    out = out.with_columns(pl.concat_list(reasons).list.drop_nulls().list.join("; ").alias("reasons"))
    first_scale = [f"burden_{s}" for s, _ in scales]
    return (out.sort(["selected", pl.col("interactions").list.len(), pl.col("cascades").list.len(), *first_scale,
                      "chronic_medicines", "age", "patient_id"],
                     descending=[True, True, True, *[True] * len(first_scale), True, True, False])
            .with_row_index("rank", offset=1)
            .with_columns(pl.col("rank").cast(pl.Int64), pl.col("cascades").list.join(";"),
                          pl.col("interactions").list.join(";"))
            .select("rank", "patient_id", "age", "sex", "medicines", "chronic_medicines", "frail", "selected",
                    *first_scale, "interactions", "cascades", "reasons"))


def summarise(out: pl.DataFrame, ref: dt.date, scales: list[tuple[str, Any]], selection: Selection) -> dict[str, Any]:
    rule_counts: dict[str, int] = {}
    for col in ("cascades", "interactions"):
        for row in out.select(pl.col(col).str.split(";").explode()).filter(pl.col(col) != "")[col].value_counts(
                sort=True).iter_rows():
            rule_counts[row[0]] = int(row[1])
    summary: dict[str, Any] = {
        "reference_date": ref.isoformat(),
        "patients_with_medicines": out.height,
        "selected": int(out["selected"].sum()),
        "at_selection_age": int((out["age"] >= selection.min_age).sum()),
        "frail": int(out["frail"].sum()),
        "with_high_interaction": int((out["interactions"] != "").sum()),
        "with_cascade_pattern": int((out["cascades"] != "").sum()),
    }
    for scale, threshold in scales:
        summary[f"burden_{scale}_at_threshold"] = int((out[f"burden_{scale}"] >= threshold).sum())
    summary["by_rule"] = dict(sorted(rule_counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return summary


def patient_documents(records: Records, in_use: pl.DataFrame, reference_date: dt.date,
                      patient_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Native patient documents (as `mbo review` reads them) for these patients: medicines in use, conditions, labs.

    Each medicine starts at the start of its current dispensing episode; the birth date is 1 July of the birth year.
    """
    wanted = pl.Series("patient_id", sorted(set(patient_ids)), pl.String)
    meds = in_use.filter(pl.col("patient_id").is_in(wanted.implode()))
    people = records.patients.filter(pl.col("patient_id").is_in(wanted.implode())).collect()
    cond = (records.conditions.filter(pl.col("patient_id").is_in(wanted.implode())).collect()
            if records.conditions is not None else None)
    labs = (records.labs.filter(pl.col("patient_id").is_in(wanted.implode())).collect()
            if records.labs is not None else None)
    docs: dict[str, dict[str, Any]] = {}
    for person in people.sort("patient_id").iter_rows(named=True):
        pid = person["patient_id"]
        medications = []
        for m in meds.filter(pl.col("patient_id") == pid).sort("key").iter_rows(named=True):
            unresolved = m["key"].startswith("?") or "+" in m["key"]
            entry: dict[str, Any] = {"name": m["product"] or m["key"].lstrip("?")} if unresolved else {
                "atc": m["key"], **({"name": m["product"]} if m["product"] else {})}
            entry["start"] = m["start"].isoformat()
            if m["prescriber"]:
                entry["prescriber"] = m["prescriber"]
            medications.append(entry)
        doc: dict[str, Any] = {
            "patient": {"id": pid, "birth_date": dt.date(person["birth_year"], 7, 1).isoformat(), "sex": person["sex"]},
            "review_date": reference_date.isoformat(), "medications": medications}
        if cond is not None:
            doc["conditions"] = [
                {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in (
                    ("text", c["text"]), ("code", c["code"]), ("system", c["system"]), ("onset", c["onset"])) if v}
                for c in cond.filter(pl.col("patient_id") == pid).sort(["code", "text", "onset"], nulls_last=True)
                .iter_rows(named=True)]
        if labs is not None:
            doc["labs"] = [
                {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in (
                    ("test", x["test"]), ("value", x["value"]), ("unit", x["unit"]), ("date", x["date"])) if v is not None}
                for x in labs.filter(pl.col("patient_id") == pid).sort(["test", "date"], nulls_last=True)
                .iter_rows(named=True)]
        docs[pid] = doc
    return docs
