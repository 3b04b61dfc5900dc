"""Population screening, sequence symmetry and synthetic data (mbo.population): library tests."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from pathlib import Path

import polars as pl
import pytest

import mbo
from mbo.population import null_sequence_ratio, pssa, read_records, screen, sequence_ratio_interval, synth

REF = dt.date(2025, 6, 1)
SYNTH_ROWS = 1_000_000  # ~4 s to write and ~4 s per PSSA run on 2 cores


@pytest.fixture(scope="module")
def kb() -> mbo.Knowledge:
    return mbo.load_knowledge()


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("synth") / "records"
    info = synth(out, SYNTH_ROWS, seed=3)
    return out, info


def _substance(kb: mbo.Knowledge, selector, avoid: tuple[str, ...] = ()) -> str:
    return next(a for a in sorted(kb.substances) if selector.matches(a) and not kb.substances[a].components
                and a not in avoid)


def _write(tmp_path: Path, rows: list[dict], name: str = "records.csv") -> Path:
    path = tmp_path / name
    pl.DataFrame(rows).write_csv(path)
    return path


def _row(pid: str, day: str, atc: str | None = None, days: int = 90, product: str | None = None, by: int = 1940,
         sex: str = "F") -> dict:
    return {"patient_id": pid, "date": day, "atc": atc, "product": product, "days_supply": days, "prescriber": "huisarts",
            "birth_year": by, "sex": sex}


def _refills(pid: str, atc: str, start: dt.date, until: dt.date, every: int = 90, **kw) -> list[dict]:
    out, day = [], start
    while day <= until:
        out.append(_row(pid, day.isoformat(), atc, days=every, **kw))
        day += dt.timedelta(days=every)
    return out


# -- sequence symmetry ----------------------------------------------------------------------------

def test_interval_reproduces_the_cohortsymmetry_worked_example() -> None:
    lo, hi = sequence_ratio_interval(3, 1)
    assert lo == pytest.approx(0.396, abs=0.001) and hi == pytest.approx(34.12, abs=0.01)


def test_pssa_three_index_first_one_marker_first(kb: mbo.Knowledge, tmp_path: Path) -> None:
    c = kb.cascades[0]
    index, marker = _substance(kb, c.index), _substance(kb, c.marker)
    rows = []
    for n in range(4):  # everyone enters the data in 2018; the washout of a year ends in 2019
        pid = f"p{n}"
        rows.append(_row(pid, "2018-01-01", _substance(kb, kb.cascades[1].index), days=30))
        first, second = (index, marker) if n < 3 else (marker, index)
        rows += [_row(pid, f"2020-0{n + 1}-01", first), _row(pid, f"2020-0{n + 1}-20", second)]
    table = pssa(_write(tmp_path, rows), index=index, marker=marker)
    got = table.row(0, named=True)
    assert (got["index_first"], got["marker_first"], got["crude"]) == (3, 1, 3.0)
    assert got["crude_low"] == pytest.approx(0.396, abs=0.001) and got["crude_high"] == pytest.approx(34.12, abs=0.01)


def test_prevalent_users_are_not_incident(kb: mbo.Knowledge, tmp_path: Path) -> None:
    c = kb.cascades[0]
    index, marker = _substance(kb, c.index), _substance(kb, c.marker)
    rows = [_row("p", "2018-01-01", index), _row("p", "2018-03-01", marker)]  # both within the washout
    got = pssa(_write(tmp_path, rows), index=index, marker=marker).row(0, named=True)
    assert (got["index_first"], got["marker_first"]) == (0, 0) and math.isnan(got["crude_low"])


def test_null_ratio_is_one_for_a_flat_uptake() -> None:
    days = list(range(0, 3000, 3))
    assert null_sequence_ratio(days, [d + 1 for d in days], 548) == pytest.approx(1.0, abs=0.01)


def test_planted_cascades_stand_out_and_controls_do_not(population: tuple[Path, dict]) -> None:
    path, info = population
    assert info["rows"] == SYNTH_ROWS and len(info["planted"]) >= 60
    table = pssa(path)
    planted = table.filter(pl.col("id").is_in(list(info["planted"])))
    assert planted.height == len(info["planted"])
    weak = planted.filter(~((pl.col("adjusted") > 1) & (pl.col("adjusted_low") > 1)))
    assert weak.is_empty(), weak
    for a, b in info["controls"]:
        got = pssa(path, index=a, marker=b).row(0, named=True)
        assert got["index_first"] + got["marker_first"] > 0
        assert got["adjusted_low"] <= 1 <= got["adjusted_high"], got


def test_synth_is_seeded(tmp_path: Path) -> None:
    a, b, c = (synth(tmp_path / f"{n}.csv", 3000, seed=s) for n, s in (("a", 5), ("b", 5), ("c", 6)))
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()
    assert a["rows"] == 3000 and pl.read_csv(tmp_path / "a.csv").height == 3000


# -- screening ------------------------------------------------------------------------------------

def _one_per_atc3(kb: mbo.Knowledge, n: int, avoid: tuple[str, ...] = ()) -> list[str]:
    """n single substances from n different ATC3 groups, none dermatological."""
    seen: dict[str, str] = {}
    for a in sorted(kb.substances):
        if not kb.substances[a].components and not a.startswith("D") and a not in avoid and a[:4] not in seen \
                and all(a[:4] != x[:4] for x in avoid):
            seen[a[:4]] = a
    return list(seen.values())[:n]


def test_episodes_grace_and_chronic(kb: mbo.Knowledge, tmp_path: Path) -> None:
    atcs = _one_per_atc3(kb, 4)
    rows = (_refills("p", atcs[0], dt.date(2024, 1, 1), dt.date(2025, 5, 20))      # chronic, in use
            + [_row("p", "2025-05-01", atcs[1], days=30)]                          # in use, not chronic
            + [_row("p", "2024-06-01", atcs[2], days=30)]                          # stopped long ago
            + [_row("p", "2025-01-01", atcs[3], days=90), _row("p", "2025-05-05", atcs[3], days=90)]  # gap > grace
            + [_row("p", "2025-05-10", product="Kruidenthee Nachtrust", days=30)])  # unresolved: kept
    recs = read_records(_write(tmp_path, rows))
    result = screen(recs, REF)
    row = result.patients.row(0, named=True)
    assert (row["medicines"], row["chronic_medicines"], row["age"]) == (4, 2, 84)  # refilled; once for 90 days
    from mbo.population import medicines_in_use
    in_use = medicines_in_use(recs, kb, REF)
    assert in_use.filter(pl.col("key") == atcs[3])["start"].item() == dt.date(2025, 5, 5)
    assert any(k.startswith("?") for k in in_use["key"])


def test_chronic_use_as_the_guideline_counts_it(kb: mbo.Knowledge, tmp_path: Path) -> None:
    """Four dispensings in the year or one for 90 days make a medicine chronic; two of one ATC3 group count once;
    dermatological preparations are not counted (knowledge/selection.yaml)."""
    statins = sorted(a for a in kb.substances if a.startswith("C10AA"))[:2]
    skin = next(a for a in sorted(kb.substances) if a.startswith("D07A"))
    other = _one_per_atc3(kb, 1, avoid=(*statins, skin))[0]
    monthly = [_row("p", (REF - dt.timedelta(days=30 * k)).isoformat(), other, days=30) for k in range(4)]
    rows = (monthly + [_row("p", "2025-04-01", statins[0], days=90), _row("p", "2025-05-15", statins[1], days=90),
                       _row("p", "2025-04-01", skin, days=90)]
            + [_row("q", (REF - dt.timedelta(days=30 * k)).isoformat(), other, days=30) for k in range(3)])
    result = screen(_write(tmp_path, rows), REF, knowledge=kb)
    got = dict(result.patients.select("patient_id", "chronic_medicines").iter_rows())
    assert got == {"p": 2, "q": 0}   # p: the monthly one and the statins (once); q: three times is not chronic
    assert screen(_write(tmp_path, rows), REF, knowledge=kb, chronic_days=30).patients.filter(
        pl.col("patient_id") == "q")["chronic_medicines"].item() == 1   # --chronic-days lowers the one-dispensing rule


def test_selection_burden_cascade_and_interaction_reasons(kb: mbo.Knowledge, tmp_path: Path) -> None:
    c = kb.cascades[0]
    index, marker = _substance(kb, c.index), _substance(kb, c.marker)
    ia = next(i for i in kb.interactions if i.rule.severity == "high" and len(i.drugs) == 2 and i.when is None)
    a = _substance(kb, ia.drugs[0])
    b = _substance(kb, ia.drugs[1], avoid=(a,))
    acb = next(s for s in kb.burden if s.id == "ACB")
    scored = sorted(x for x, v in acb.scores.items() if v >= 3 and x in kb.substances)[0]
    others = _one_per_atc3(kb, 8, avoid=(index, marker, a, b, scored))
    start = dt.date(2023, 1, 1)
    rows = _refills("old", index, start, dt.date(2025, 5, 20))
    rows += _refills("old", marker, start + dt.timedelta(days=c.rule.min_days + 30), dt.date(2025, 5, 20))
    rows += _refills("old", a, start, dt.date(2025, 5, 20)) + _refills("old", b, start, dt.date(2025, 5, 20))
    rows += _refills("old", scored, start, dt.date(2025, 5, 20))
    for x in others:
        rows += _refills("old", x, start, dt.date(2025, 5, 20))
    rows += _refills("young", index, start, dt.date(2025, 5, 20), by=1960)  # marker first: no cascade pattern
    rows += _refills("young", marker, start - dt.timedelta(days=400), dt.date(2025, 5, 20), by=1960)
    result = screen(_write(tmp_path, rows), REF)
    old, young = (result.patients.filter(pl.col("patient_id") == p).row(0, named=True) for p in ("old", "young"))
    assert old["rank"] == 1 and old["selected"] and old["chronic_medicines"] >= 10
    assert c.rule.id in old["cascades"].split(";") and ia.rule.id in old["interactions"].split(";")
    assert old["burden_ACB"] >= 3 and "ACB" in old["reasons"] and c.rule.id in old["reasons"]
    assert not young["selected"] and c.rule.id not in young["cascades"].split(";")
    assert result.summary["selected"] == 1


def test_frailty_from_conditions_selects(kb: mbo.Knowledge, tmp_path: Path) -> None:
    atc = next(a for a in sorted(kb.substances) if not kb.substances[a].components)
    recs = _write(tmp_path, _refills("f", atc, dt.date(2025, 1, 1), dt.date(2025, 5, 20)))
    cond = _write(tmp_path, [{"patient_id": "f", "code": None, "system": None, "text": "kwetsbaarheid"}], "cond.csv")
    result = screen(recs, REF, conditions=cond)
    assert result.patients.row(0, named=True)["frail"] and result.summary["selected"] == 1


def test_bad_input_names_file_and_column(tmp_path: Path) -> None:
    bad = _write(tmp_path, [_row("p", "2025-02-30", "C08CA01")])
    with pytest.raises(mbo.InputError, match=r"records\.csv: date: row 1: '2025-02-30' is not a date"):
        screen(bad, REF)
    missing = tmp_path / "m.csv"
    missing.write_text("patient_id,date,atc\np,2025-01-01,C08CA01\n")
    with pytest.raises(mbo.InputError, match=r"m\.csv: days_supply: column missing"):
        screen(missing, REF)


def test_screen_is_deterministic(population: tuple[Path, dict], tmp_path: Path) -> None:
    path, _ = population
    one, two = screen(path, REF).write(None, "csv"), screen(path, REF).write(None, "csv")
    assert one == two and one.startswith("rank,patient_id,age")


def test_batch_review_equals_single_review(population: tuple[Path, dict], tmp_path: Path) -> None:
    """200 randomly chosen selected patients: the batch findings equal `mbo review` of the patient's own file."""
    path, _ = population
    result = screen(path, REF, review=True)
    selected = sorted(result.reviews)
    assert len(selected) >= 200
    sample = random.Random(11).sample(selected, 200)
    for pid in sample:
        file = tmp_path / f"{pid}.json"
        file.write_text(json.dumps(result.documents[pid]))
        alone = mbo.review(file)
        batch = result.reviews[pid]
        assert [f.model_dump() for f in batch.findings] == [f.model_dump() for f in alone.findings], pid
    assert sum(len(result.reviews[p].findings) for p in sample) > 0
