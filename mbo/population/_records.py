"""Dispensing and prescription records: the schema, lazy scans of CSV or Parquet, and their checks.

One row per dispensing (or prescription) of one medicine to one patient:

    column        type          required  meaning
    patient_id    text          yes       a pseudonymous key (never a name or BSN)
    date          YYYY-MM-DD    yes       date of dispensing
    atc           text          one of    ATC code of the product (substance or combination, 7 characters)
    product       text          the two   product text ("Selokeen ZOC 47,5 mg"), resolved by the knowledge base
    days_supply   integer       one of    days the dispensing covers
    quantity      number        the two   units dispensed, read as days at one unit a day when days_supply is absent
    prescriber    text          no        who prescribed (a key or a specialty)
    birth_year    integer       yes*      the patient's year of birth (repeated on each row, or in --patients)
    sex           F/M/V/female  yes*      the patient's sex

    * in the records, or in a separate patients file (patient_id, birth_year, sex).

Optional per-patient files: conditions (patient_id, code, system icd10|icpc|snomed, text, onset) and labs
(patient_id, test, value, unit, date). A path may be a file (.csv, .parquet, .csv.gz) or a folder of
Parquet parts (as `mbo synth` writes).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .._errors import InputError
from .._selectors import ATC_CODE

__all__ = ["RECORD_COLUMNS", "Records", "scan_table", "read_records", "normal_atc"]

RECORD_COLUMNS = ("patient_id", "date", "atc", "product", "days_supply", "quantity", "prescriber", "birth_year", "sex")

_ALIASES = {"patient": "patient_id", "patient_key": "patient_id", "person_id": "patient_id", "patientnummer": "patient_id",
            "datum": "date", "dispense_date": "date", "afleverdatum": "date", "atc_code": "atc", "naam": "product",
            "name": "product", "product_name": "product", "days": "days_supply", "dagen": "days_supply",
            "aantal": "quantity", "voorschrijver": "prescriber", "geboortejaar": "birth_year", "geslacht": "sex"}


@dataclass(frozen=True)
class Records:
    """The dispensing records of a population as a lazy polars frame in the canonical schema.

    Columns: patient_id (str, as in the source), date (date), atc and product (text or categorical, as in
    the source: normalised and resolved per distinct value by `medicine_keys`, never row by row),
    days_supply (int32), prescriber (text or categorical, or null). `medicines` names the columns that
    identify a medicine (the ones the source has); `patients` holds patient_id, birth_year (int32) and
    sex ("female"|"male"|"unknown").
    """

    source: str
    rows: pl.LazyFrame
    patients: pl.LazyFrame
    conditions: pl.LazyFrame | None = None
    labs: pl.LazyFrame | None = None
    medicines: tuple[str, ...] = ("atc", "product")


def scan_table(path: str | os.PathLike[str]) -> pl.LazyFrame:
    """A lazy scan of a CSV file, a Parquet file or a folder of Parquet parts; InputError when it cannot be read."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise InputError(name, "(file)", "no such file or folder")
    try:
        if p.is_dir():
            if not any(p.glob("*.parquet")):
                raise InputError(name, "(file)", "a folder of records must hold *.parquet parts")
            lf = pl.scan_parquet(str(p / "*.parquet"))
        elif p.suffix.lower() == ".parquet":
            lf = pl.scan_parquet(p)
        else:
            with open(p, "rb") as fh:
                head = fh.read(4096)
            sep = ";" if head.count(b";") > head.count(b",") else ","
            lf = pl.scan_csv(p, separator=sep, infer_schema=False, encoding="utf8-lossy")
        names = lf.collect_schema().names()
    except InputError:
        raise
    except (pl.exceptions.PolarsError, OSError) as err:
        raise InputError(name, "(file)", f"cannot be read as CSV or Parquet: {str(err).splitlines()[0]}") from None
    renames = {c: _ALIASES.get(c.strip().lower(), c.strip().lower()) for c in names}
    return lf.rename(renames)


def _need(lf: pl.LazyFrame, source: str, columns: tuple[str, ...]) -> None:
    have = set(lf.collect_schema().names())
    for col in columns:
        if col not in have:
            raise InputError(source, col, f"column missing (the file has: {', '.join(sorted(have))})")


def _text(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).str.strip_chars()


def _date(col: str, dtype: pl.DataType | None = None) -> pl.Expr:
    """A date column: kept when the source has dates, the date part of timestamps, else parsed from YYYY-MM-DD text."""
    if dtype == pl.Date:
        return pl.col(col)
    if isinstance(dtype, pl.Datetime):
        return pl.col(col).dt.date()
    return pl.col(col).cast(pl.String).str.strip_chars().str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)


def _days(col: str, dtype: pl.DataType) -> pl.Expr:
    """Days' supply as whole days (rounded up): integers kept, decimals (also "2,5" text) rounded up."""
    if dtype.is_integer():
        return pl.col(col).cast(pl.Int32)
    number = pl.col(col) if dtype.is_float() else pl.col(col).cast(pl.String).str.replace(",", ".").cast(
        pl.Float64, strict=False)
    return number.ceil().cast(pl.Int32, strict=False)


def _raw(col: str, dtype: pl.DataType) -> pl.Expr:
    """A text column as the source has it: text and categorical values are kept (normalised per distinct value)."""
    return pl.col(col) if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum) else pl.col(col).cast(
        pl.String)


def _sex(col: str) -> pl.Expr:
    s = _text(col).str.to_lowercase()
    return (pl.when(s.is_in(["f", "v", "female", "vrouw"])).then(pl.lit("female"))
            .when(s.is_in(["m", "male", "man"])).then(pl.lit("male")).otherwise(pl.lit("unknown")))


def read_records(path: str | os.PathLike[str], *, patients: str | os.PathLike[str] | None = None,
                 conditions: str | os.PathLike[str] | None = None,
                 labs: str | os.PathLike[str] | None = None, check: bool = True) -> Records:
    """Scan dispensing records (and the optional per-patient files) into the canonical schema.

    With `check` one streaming pass verifies every date, days' supply and birth year and raises an
    InputError naming the file and the column of the first bad value.

        >>> recs = read_records("afleveringen.parquet")     # doctest: +SKIP
    """
    source = str(path)
    lf = scan_table(path)
    _need(lf, source, ("patient_id", "date"))
    names = set(lf.collect_schema().names())
    if not names & {"atc", "product"}:
        raise InputError(source, "atc", "column missing: give `atc` or `product` (the file has: "
                         f"{', '.join(sorted(names))})")
    if not names & {"days_supply", "quantity"}:
        raise InputError(source, "days_supply", "column missing: give `days_supply` or `quantity`")
    schema = lf.collect_schema()
    days_col = "days_supply" if "days_supply" in names else "quantity"
    medicines = tuple(c for c in ("atc", "product") if c in names)
    rows = lf.select(
        _raw("patient_id", schema["patient_id"]).cast(pl.String).alias("patient_id"),
        _date("date", schema["date"]).alias("date"),
        *(_raw(c, schema[c]).alias(c) for c in medicines),
        _days(days_col, schema[days_col]).alias("days_supply"),
        (_raw("prescriber", schema["prescriber"]) if "prescriber" in names else pl.lit(None, pl.String)).alias("prescriber"),
    )
    if patients is not None:
        psource = str(patients)
        plf = scan_table(patients)
        _need(plf, psource, ("patient_id", "birth_year", "sex"))
    else:
        psource = source
        _need(lf, source, ("birth_year", "sex"))
        plf = lf
    people = (plf.group_by("patient_id").agg(pl.col("birth_year").first(), pl.col("sex").first())  # per patient first,
              .select(_text("patient_id").alias("patient_id"),                                  # then normalised
                      _text("birth_year").cast(pl.Int32, strict=False).alias("birth_year"), _sex("sex").alias("sex"))
              .sort("patient_id").unique("patient_id", keep="first", maintain_order=True))
    if check:  # the people are read once here, and kept: one row per patient
        _check(lf, rows, source, medicines, days_col)
        people = _check_people(people.collect(engine="streaming"), psource).lazy()
    cond = lab = None
    if conditions is not None:
        csource = str(conditions)
        clf = scan_table(conditions)
        _need(clf, csource, ("patient_id",))
        cn = set(clf.collect_schema().names())
        if not cn & {"code", "text"}:
            raise InputError(csource, "code", "column missing: give `code` (with `system`) or `text`")
        cond = clf.select(_text("patient_id").alias("patient_id"),
                          *((_text(c) if c in cn else pl.lit(None, pl.String)).alias(c) for c in ("code", "system", "text")),
                          (_date("onset") if "onset" in cn else pl.lit(None, pl.Date)).alias("onset"))
    if labs is not None:
        lsource = str(labs)
        llf = scan_table(labs)
        _need(llf, lsource, ("patient_id", "test", "value"))
        ln = set(llf.collect_schema().names())
        lab = llf.select(_text("patient_id").alias("patient_id"), _text("test").alias("test"),
                         _text("value").str.replace(",", ".").cast(pl.Float64, strict=False).alias("value"),
                         (_text("unit") if "unit" in ln else pl.lit(None, pl.String)).alias("unit"),
                         (_date("date") if "date" in ln else pl.lit(None, pl.Date)).alias("date"))
    return Records(source=source, rows=rows, patients=people, conditions=cond, labs=lab, medicines=medicines)


def normal_atc(value: str | None) -> str | None:
    """An ATC code as given, trimmed and in capitals (None when empty)."""
    text = (value or "").strip().upper()
    return text or None


def _check(raw: pl.LazyFrame, rows: pl.LazyFrame, source: str, medicines: tuple[str, ...], days_col: str) -> None:
    """One streaming pass: the first row whose patient, date, days' supply or medicine cannot be read, and the
    distinct ATC values (checked once each)."""
    bad = rows.with_row_index("_row").select(
        pl.col("_row").filter(pl.col("patient_id").is_null() | (pl.col("patient_id") == "")).first().alias("patient_id"),
        pl.col("_row").filter(pl.col("date").is_null()).first().alias("date"),
        pl.col("_row").filter(pl.col("days_supply").is_null() | (pl.col("days_supply") <= 0)).first().alias(days_col),
        pl.col("_row").filter(pl.all_horizontal(pl.col(c).is_null() for c in medicines)).first().alias("product"),
        *([pl.col("atc").drop_nulls().unique().cast(pl.String).implode().alias("_atc")] if "atc" in medicines else []),
    )
    try:
        found = bad.collect(engine="streaming").row(0, named=True)
    except pl.exceptions.PolarsError as err:
        raise InputError(source, "(file)", f"cannot be read: {str(err).splitlines()[0]}") from None
    codes = [(c, normal_atc(c)) for c in found.pop("_atc", None) or []]
    wrong = sorted(c for c, code in codes if code is not None and not re.match(ATC_CODE, code))
    if wrong:
        found["atc"] = rows.with_row_index("_row").filter(pl.col("atc").cast(pl.String).is_in(wrong)).select(
            pl.col("_row").first()).collect(engine="streaming").item()
    for col, row in sorted(found.items(), key=lambda kv: kv[1] if kv[1] is not None else -1):
        if row is None:
            continue
        shown = (raw.slice(row, 1).select(pl.col(col)).collect().item()
                 if col in raw.collect_schema().names() and col != "product" else None)
        what = {"patient_id": "an empty patient key", "date": f"{shown!r} is not a date (use YYYY-MM-DD)",
                days_col: f"{shown!r} is not a positive number of days",
                "atc": f"{shown!r} is not an ATC code (7 characters, e.g. C08CA01)",
                "product": "neither an ATC code nor a product text"}[col]
        raise InputError(source, col, f"row {row + 1}: {what}")


def _check_people(people: pl.DataFrame, source: str) -> pl.DataFrame:
    """The people, once none has a blank key and each has a year of birth."""
    found = people.select(
        (pl.col("patient_id") == "").any().alias("blank"),
        pl.col("patient_id").filter(pl.col("birth_year").is_null() | (pl.col("birth_year") < 1880)).first().alias("bad"),
    ).row(0, named=True)
    if found["blank"]:
        raise InputError(source, "patient_id", "a patient key of only spaces")
    if found["bad"] is not None:
        raise InputError(source, "birth_year", f"patient {found['bad']!r}: not a year of birth")
    return people
