"""Real generator output: transaction bundles with thousands of resources, RxNorm clinical drugs, repeated orders."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import mbo
from mbo import Knowledge
from mbo.cli import cli


@pytest.mark.parametrize("name", ["synthea-1.json.gz", "synthea-2.json.gz", "synthea-3.json.gz"])
def test_synthea_patient_reviews_with_every_active_medicine_resolved(shared: Path, kb: Knowledge, name: str) -> None:
    path = shared / "synthea" / name
    result = CliRunner().invoke(cli, ["review", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output[-500:]
    review = mbo.review(path, knowledge=kb)
    active = [m for m in review.medications if m.status in ("active", "on-hold", "unknown")]
    assert active and all(m.atc for m in active), [m.text for m in active if not m.atc]
    assert "egfr" in review.patient.labs


def test_repeated_orders_become_one_entry(shared: Path, kb: Knowledge) -> None:
    review = mbo.review(shared / "synthea" / "synthea-3.json.gz", knowledge=kb)
    atcs = [m.atc for m in review.medications if m.atc]
    assert len(atcs) == len(set(atcs))
