"""`mbo screen`, `mbo pssa` and `mbo synth` through the command line (CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from mbo.cli import cli


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "records.csv"
    result = CliRunner().invoke(cli, ["synth", str(out), "--rows", "20000", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"] == 20000
    return out


def test_screen_json_with_review_matches_mbo_review(records: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    got = runner.invoke(cli, ["screen", str(records), "--date", "2025-06-01", "--format", "json", "--review"])
    assert got.exit_code == 0, got.output
    doc = json.loads(got.output)
    assert doc["summary"]["selected"] == doc["summary"]["reviewed"] > 0
    assert [p["rank"] for p in doc["patients"]] == list(range(1, len(doc["patients"]) + 1))
    from mbo.population import screen
    import datetime as dt
    result = screen(records, dt.date(2025, 6, 1), review=True)
    pid = sorted(doc["reviews"])[0]
    file = tmp_path / "one.json"
    file.write_text(json.dumps(result.documents[pid]))
    alone = runner.invoke(cli, ["review", str(file), "--format", "json"])
    assert alone.exit_code == 0, alone.output
    assert json.loads(alone.output)["findings"] == doc["reviews"][pid]


def test_screen_writes_parquet_and_csv(records: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("out.parquet", "out.csv"):
        got = runner.invoke(cli, ["screen", str(records), "--date", "2025-06-01", "-o", str(tmp_path / name)])
        assert got.exit_code == 0, got.output
    a, b = pl.read_parquet(tmp_path / "out.parquet"), pl.read_csv(tmp_path / "out.csv")
    assert a.height == b.height > 0 and a.columns == b.columns


def test_pssa_all_cascades_and_one_pair(records: Path) -> None:
    runner = CliRunner()
    got = runner.invoke(cli, ["pssa", str(records)])
    assert got.exit_code == 0, got.output
    assert got.output.startswith("id,window_days,index_first,marker_first,crude")
    one = runner.invoke(cli, ["pssa", str(records), "--index", "C08CA", "--marker", "C03C", "-f", "json"])
    assert one.exit_code == 0 and json.loads(one.output)[0]["id"] == "C08CA->C03C"


@pytest.mark.parametrize("args, message", [
    (["screen", "{missing}", "--date", "2025-01-01"], "mbo: invalid input: {missing}: (file): no such file or folder\n"),
    (["screen", "{bad}", "--date", "2025-01-01"],
     "mbo: invalid input: {bad}: date: row 1: '01/01/2025' is not a date (use YYYY-MM-DD)\n"),
    (["pssa", "{bad}", "--index", "C08CA"], "mbo: invalid input: (options): --marker: give both --index and --marker\n"),
    (["pssa", "{bad}", "--index", "C08CA", "--marker", "no-such-group"],
     "mbo: invalid input: (options): --marker: 'no-such-group' is neither an ATC code or prefix nor a drug group id\n"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("patient_id,date,atc,days_supply,birth_year,sex\np,01/01/2025,C08CA01,30,1940,F\n")
    paths = {"missing": str(tmp_path / "missing.csv"), "bad": str(bad)}
    got = CliRunner().invoke(cli, [a.format(**paths) for a in args])
    assert got.exit_code == 2 and got.output == message.format(**paths)
