"""The scale-out adapter: the screening over patient partitions on a local Dask cluster equals the single run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from dask.distributed import Client, LocalCluster
from polars.testing import assert_frame_equal

from mbo.cli import cli
from mbo.population import screen, screen_distributed, synth

REF = dt.date(2025, 6, 1)


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist") / "records.csv"
    synth(out, 20_000, seed=11)
    return out


def test_two_workers_equal_single_machine(records: Path) -> None:
    single = screen(records, REF, review=True)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        spread = screen_distributed(records, REF, client=client, partitions=5, review=True)
    assert single.patients.height > 50 and int(single.patients["selected"].sum()) > 0
    assert_frame_equal(spread.patients, single.patients)
    assert spread.summary == single.summary
    assert list(spread.reviews) == list(single.reviews)
    assert all(spread.reviews[p].findings == single.reviews[p].findings for p in single.reviews)
    assert spread.documents == single.documents


def test_cli_workers_equals_single(records: Path) -> None:
    runner = CliRunner()
    one = runner.invoke(cli, ["screen", str(records), "--date", REF.isoformat()])
    two = runner.invoke(cli, ["screen", str(records), "--date", REF.isoformat(), "--workers", "2"])
    assert one.exit_code == two.exit_code == 0, two.output
    assert two.stdout == one.stdout
