"""The streaming screening: episodes against a plain reference implementation, typed Parquet against CSV text,
raw medicines normalised once per distinct value, and progress reports."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mbo
from mbo.cli import cli
from mbo.population import medicines_in_use, pssa, read_records, screen
from mbo.population._progress import Steps

REF = dt.date(2025, 6, 1)
CODES = ["C08CA01", "C03CA01", "N02BE01"]
PRESCRIBERS = ["huisarts", "cardioloog", None]


@pytest.fixture(scope="module")
def kb() -> mbo.Knowledge:
    return mbo.load_knowledge()


def _reference(rows: list[dict], ref: dt.date, grace: int, chronic: int) -> dict[tuple[str, str], dict]:
    """Medicines in use computed the plain way: per patient and medicine, dispensings in date order, episodes."""
    by_pair: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        if r["date"] <= ref:
            by_pair.setdefault((r["patient_id"], r["atc"]), []).append(r)
    out = {}
    for pair, items in by_pair.items():
        items.sort(key=lambda r: (r["date"], r["days_supply"], r["prescriber"] or ""))
        covered: dt.date | None = None
        episode: list[dict] = []
        for r in items:
            if covered is None or r["date"] > covered + dt.timedelta(days=grace):
                episode = []
            episode.append(r)
            end = r["date"] + dt.timedelta(days=r["days_supply"])
            covered = end if covered is None else max(covered, end)
        assert covered is not None
        if covered + dt.timedelta(days=grace) >= ref:
            start = episode[0]["date"]
            given_by = [r["prescriber"] for r in episode if r["prescriber"] is not None]
            year = [r for r in items if r["date"] > ref - dt.timedelta(days=365)]  # chronic: the guideline's rule
            out[pair] = {"start": start, "end": covered, "prescriber": given_by[-1] if given_by else None,
                         "chronic": len(year) >= 4 or any(r["days_supply"] >= chronic for r in year)}
    return out


_dispensing = st.fixed_dictionaries({
    "patient_id": st.sampled_from(["p1", "p2", "p3"]),
    "date": st.dates(dt.date(2025, 1, 1), dt.date(2025, 6, 15)),  # a short span: episodes meet their edges
    "atc": st.sampled_from(CODES),
    "days_supply": st.integers(1, 40),
    "prescriber": st.sampled_from(PRESCRIBERS),
})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(_dispensing, min_size=1, max_size=40), grace=st.sampled_from([0, 5, 30]),
       chronic=st.sampled_from([30, 90]))
def test_episodes_equal_the_plain_computation(kb: mbo.Knowledge, rows: list[dict], grace: int, chronic: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.csv"
        pl.DataFrame([{**r, "birth_year": 1940, "sex": "F"} for r in rows]).write_csv(path)
        records = read_records(path)
        got = medicines_in_use(records, kb, REF, grace_days=grace, chronic_days=chronic)
        chunked = medicines_in_use(records, kb, REF, grace_days=grace, chronic_days=chronic, pairs_per_chunk=2)
    assert chunked.equals(got)  # pairs in chunks of two keys arrays give the same answer
    want = _reference(rows, REF, grace, chronic)
    assert {(r["patient_id"], r["key"]) for r in got.iter_rows(named=True)} == set(want)
    for r in got.iter_rows(named=True):
        w = want[(r["patient_id"], r["key"])]
        assert (r["start"], r["end"], r["chronic"], r["prescriber"]) == (w["start"], w["end"], w["chronic"],
                                                                         w["prescriber"])


def _population() -> pl.DataFrame:
    rows = []
    for n, (pid, atc) in enumerate([("a1", "C08CA01"), ("a1", "C03CA01"), ("b2", "N02BE01"), ("b2", "C08CA01")]):
        for k in range(6):
            rows.append({"patient_id": pid, "date": dt.date(2024, 9, 1) + dt.timedelta(days=60 * k + n),
                         "atc": atc, "days_supply": 60, "prescriber": "huisarts", "birth_year": 1938, "sex": "F"})
    return pl.DataFrame(rows)


def test_typed_parquet_and_csv_text_give_the_same_screening(kb: mbo.Knowledge, tmp_path: Path) -> None:
    frame = _population()
    frame.with_columns(pl.col("atc").cast(pl.Categorical), pl.col("prescriber").cast(pl.Categorical)).write_parquet(
        tmp_path / "typed.parquet")
    frame.write_csv(tmp_path / "text.csv", date_format="%Y-%m-%d")
    typed, text = screen(tmp_path / "typed.parquet", REF, knowledge=kb), screen(tmp_path / "text.csv", REF, knowledge=kb)
    assert typed.patients.equals(text.patients) and typed.patients.height == 2


def test_raw_spellings_of_one_medicine_form_one_episode(kb: mbo.Knowledge, tmp_path: Path) -> None:
    """Lower case, spaces and a padded patient key are normalised per distinct value; the dispensings of one
    medicine under two spellings chain into one episode."""
    rows = [{"patient_id": "p1", "date": "2024-01-01", "atc": "C08CA01", "days_supply": "90"},
            {"patient_id": " p1 ", "date": "2024-03-25", "atc": " c08ca01", "days_supply": "90"},
            {"patient_id": "p1", "date": "2024-06-20", "atc": "C08CA01 ", "days_supply": "2,5"},
            {"patient_id": "p1", "date": "2024-06-21", "atc": "c08ca01", "days_supply": "90"}]
    path = tmp_path / "records.csv"
    pl.DataFrame([{**r, "birth_year": "1940", "sex": "v"} for r in rows]).write_csv(path)
    got = medicines_in_use(read_records(path), kb, dt.date(2024, 9, 1))
    assert got.select("patient_id", "key", "start", "end").rows() == [
        ("p1", "C08CA01", dt.date(2024, 1, 1), dt.date(2024, 9, 19))]


def test_steps_report_as_they_begin() -> None:
    seen: list[tuple[str, int, int]] = []
    steps = Steps(lambda step, done, total: seen.append((step, done, total)), total=2)
    steps("grouping")
    steps("ranking")
    steps.extend(1)
    steps("reviewing p1")
    steps.finish()
    assert seen == [("grouping", 0, 2), ("ranking", 1, 2), ("reviewing p1", 2, 3), ("done", 3, 3)]


def test_screen_and_pssa_report_progress(kb: mbo.Knowledge, tmp_path: Path) -> None:
    _population().write_parquet(tmp_path / "records.parquet")
    seen: list[tuple[str, int, int]] = []
    result = screen(tmp_path / "records.parquet", REF, knowledge=kb, review=True,
                    progress=lambda *step: seen.append(step))
    assert seen[0] == ("checking the records", 0, seen[0][2]) and seen[-1][0] == "done"
    assert [done for _, done, _ in seen] == sorted(done for _, done, _ in seen)
    assert seen[-1][1] == seen[-1][2]
    reviewed = [step for step, _, _ in seen if step.startswith("reviewing ")]
    assert reviewed == [f"reviewing {pid}" for pid in result.reviews]
    seen.clear()
    table = pssa(tmp_path / "records.parquet", knowledge=kb, progress=lambda *step: seen.append(step))
    pairs = [step for step, _, _ in seen if step in set(table["id"])]
    assert pairs == table["id"].to_list() and seen[-1] == ("done", len(table) + 3, len(table) + 3)


def test_cli_progress_keeps_stdout_clean(tmp_path: Path) -> None:
    _population().write_parquet(tmp_path / "records.parquet")
    got = CliRunner().invoke(cli, ["screen", str(tmp_path / "records.parquet"), "--date", REF.isoformat(),
                                   "--format", "json", "--progress"])
    assert got.exit_code == 0, got.output
    assert json.loads(got.stdout)["summary"]["patients_with_medicines"] == 2
