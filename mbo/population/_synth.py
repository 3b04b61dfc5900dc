"""Synthetic dispensing records: older people, chronic and acute medicines, planted cascades.

Seeded and vectorised (numpy), written in chunks of patients so memory stays bounded whatever the size:
a `.csv` path gets one CSV file, any other path a folder of Parquet parts (`part-00000.parquet`, ...).

The population: ages at the end of the period from 65 up (most 70-90), 55 % women, entering the data
over the first two years. Medicines come from the knowledge base's vocabulary (single substances): a
seeded share is the chronic pool (dispensed every 30 or 90 days, about half already in use at entry,
the rest started later, some stopped), the rest acute courses of 5-30 days. For every cascade of the
knowledge base a share `cascade_rate` of patients gets a planted sequence: an index substance of the
cascade started after the washout, then a marker substance of it 7 days up to the cascade's window later
(their background medicines of the cascade's index and marker classes are left out: a new user of both).
Control pairs are chronic substances outside every cascade selector: they follow only the background.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from .._errors import InputError
from .._knowledge import Knowledge, load_knowledge
from ._progress import ProgressFn

__all__ = ["synth"]

_SPECIALTIES = ["huisarts"] * 8 + ["cardioloog", "internist", "neuroloog", "psychiater", "geriater", "longarts",
                                   "uroloog", "reumatoloog"]
_EPOCH = dt.date(1970, 1, 1)


def _vocabulary(kb: Knowledge, rng: np.random.Generator) -> tuple[list[str], np.ndarray, np.ndarray]:
    atcs = sorted(a for a, s in kb.substances.items() if not s.components)
    chronic = rng.random(len(atcs)) < 0.6
    weights = rng.pareto(1.2, len(atcs)) + 0.05  # a few medicines are very common, most are rare
    return atcs, chronic, weights


def synth(output: str | os.PathLike[str], rows: int, *, seed: int = 1, knowledge: Knowledge | None = None,
          start: dt.date = dt.date(2016, 1, 1), years: int = 10, cascade_rate: float = 0.02,
          chunk_rows: int = 2_000_000, controls: int = 3, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Write about `rows` synthetic dispensing records (exactly `rows`) and describe what was planted.

    Returns {rows, patients, start, end, planted: {cascade id: {index, marker, patients}}, not_planted: {cascade id:
    why}, controls: [[a, b], ...]}. A cascade that runs the other way of one already planted is not planted.

        >>> info = synth("synth.parquet", 100_000, seed=7)   # doctest: +SKIP
    """
    if rows < 1:
        raise InputError("(options)", "--rows", "give at least 1 row")
    kb = knowledge or load_knowledge()
    rng = np.random.default_rng(seed)
    atcs, chronic, weights = _vocabulary(kb, rng)
    atc_arr = np.array(atcs)
    chronic_idx = np.flatnonzero(chronic)
    acute_idx = np.flatnonzero(~chronic)
    p_chronic = weights[chronic_idx] / weights[chronic_idx].sum()
    p_acute = weights[acute_idx] / weights[acute_idx].sum()
    planted: dict[str, dict[str, Any]] = {}
    plan = []
    in_any = np.zeros(len(atcs), dtype=bool)
    classes: list[tuple[str, np.ndarray, np.ndarray]] = []  # planted so far: id, index class, marker class
    skipped: dict[str, str] = {}
    for c in kb.cascades:
        idx = [i for i, a in enumerate(atcs) if c.index.matches(a)]
        mk = [i for i, a in enumerate(atcs) if c.marker.matches(a) and i not in idx]
        in_any[idx] = True
        in_any[mk] = True
        if not (idx and mk):
            skipped[c.rule.id] = "no substance of the vocabulary for the index or the marker"
            continue
        i_mask, m_mask = np.zeros(len(atcs), dtype=bool), np.zeros(len(atcs), dtype=bool)
        i_mask[idx], m_mask[mk] = True, True
        reverse = next((pid for pid, pi, pm in classes if (i_mask & pm).any() and (m_mask & pi).any()), None)
        if reverse is not None:  # planting both directions would make each look symmetric
            skipped[c.rule.id] = f"runs the other way of {reverse}, which is planted"
            continue
        classes.append((c.rule.id, i_mask, m_mask))
        i, m = int(rng.choice(idx)), int(rng.choice(mk))
        plan.append((c.rule.id, i, m, max(c.rule.min_days, 7), c.rule.window_days, i_mask | m_mask))
        planted[c.rule.id] = {"index": atcs[i], "marker": atcs[m], "patients": 0}
    free = [int(i) for i in chronic_idx if not in_any[i]]
    free_w = np.array([weights[i] for i in free])
    top = [free[i] for i in np.argsort(-free_w, kind="stable")[: 2 * controls]]  # common enough to give counts
    control_pairs = [[atcs[top[2 * k]], atcs[top[2 * k + 1]]] for k in range(min(controls, len(top) // 2))]

    out = Path(output)
    as_csv = out.suffix.lower() == ".csv"
    if out.exists():
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    if not as_csv:
        out.mkdir(parents=True)
    day0 = (start - _EPOCH).days
    span = int(years * 365.25)
    end = day0 + span
    written, patients, part = 0, 0, 0
    per_patient = 180  # rows a patient gives on average, to size the chunks
    while written < rows:
        n_pat = max(50, min(chunk_rows, rows - written) // per_patient + 1)
        frame, counts = _chunk(rng, n_pat, patients, day0, end, atc_arr, chronic_idx, p_chronic, acute_idx, p_acute,
                               plan, cascade_rate)
        frame = frame.head(rows - written)
        for rule_id, n in counts.items():
            planted[rule_id]["patients"] += n
        if as_csv:
            with open(out, "ab" if written else "wb") as fh:
                frame.write_csv(fh, include_header=written == 0, date_format="%Y-%m-%d")
        else:
            frame.write_parquet(out / f"part-{part:05d}.parquet", statistics=True)
        written += frame.height
        patients += n_pat
        part += 1
        if progress is not None:
            progress(f"writing part {part} ({written:,} rows)", written, rows)
    return {"rows": written, "patients": patients, "start": start.isoformat(),
            "end": (_EPOCH + dt.timedelta(days=end)).isoformat(), "seed": seed, "cascade_rate": cascade_rate,
            "planted": planted, "not_planted": skipped, "controls": control_pairs}


def _chunk(rng: np.random.Generator, n: int, offset: int, day0: int, end: int, atcs: np.ndarray,
           chronic_idx: np.ndarray, p_chronic: np.ndarray, acute_idx: np.ndarray, p_acute: np.ndarray,
           plan: list[tuple[str, int, int, int, int, np.ndarray]], rate: float) -> tuple[pl.DataFrame, dict[str, int]]:
    end_year = (_EPOCH + dt.timedelta(days=end)).year
    age_end = np.minimum(65 + rng.gamma(3.0, 5.0, n), 104).astype(np.int32)
    birth_year = (end_year - age_end).astype(np.int32)
    sex = np.where(rng.random(n) < 0.55, "F", "M")
    entry = day0 + rng.integers(0, 730, n)
    n_chronic = rng.poisson(2 + (age_end - 65) * 0.18, n)
    # chronic episodes
    pat = np.repeat(np.arange(n), n_chronic)
    med = rng.choice(chronic_idx, size=pat.size, p=p_chronic)
    prevalent = rng.random(pat.size) < 0.5
    st = np.where(prevalent, entry[pat], entry[pat] + (rng.random(pat.size) * (end - entry[pat])).astype(np.int64))
    stops = rng.random(pat.size) < 0.3
    sp = np.where(stops, np.minimum(st + rng.integers(60, 1500, pat.size), end), end)
    supply = np.where(rng.random(pat.size) < 0.3, 30, 90)
    # planted cascades: index after the washout, marker within the window
    counts: dict[str, int] = {}
    extra_p, extra_m, extra_s = [], [], []
    drop = np.zeros(pat.size, dtype=bool)
    for rule_id, i, m, lo, window, members in plan:
        who = np.flatnonzero(rng.random(n) < rate)
        planted_for = np.zeros(n, dtype=bool)
        planted_for[who] = True
        drop |= planted_for[pat] & members[med]  # a planted cascade starts both drug classes anew
        t0 = entry[who] + 400 + (rng.random(who.size) * np.maximum(end - entry[who] - 400 - window, 1)).astype(np.int64)
        gap = rng.integers(lo, max(lo + 1, window), who.size)
        extra_p += [who, who]
        extra_m += [np.full(who.size, i), np.full(who.size, m)]
        extra_s += [t0, t0 + gap]
        counts[rule_id] = int(who.size)
    pat, med, st, sp, supply = pat[~drop], med[~drop], st[~drop], sp[~drop], supply[~drop]
    if extra_p:
        ep, em, es = np.concatenate(extra_p), np.concatenate(extra_m), np.concatenate(extra_s)
        keep = es < end
        ep, em, es = ep[keep], em[keep], es[keep]
        pat, med, st = np.concatenate([pat, ep]), np.concatenate([med, em]), np.concatenate([st, es])
        sp = np.concatenate([sp, np.full(ep.size, end)])
        supply = np.concatenate([supply, np.full(ep.size, 90)])
    n_disp = np.maximum(1, -(-(sp - st) // supply))
    r_pat = np.repeat(pat, n_disp)
    r_med = np.repeat(med, n_disp)
    r_sup = np.repeat(supply, n_disp)
    first = np.repeat(np.cumsum(n_disp) - n_disp, n_disp)
    k = np.arange(r_pat.size) - first
    r_day = np.repeat(st, n_disp) + k * r_sup + rng.integers(-3, 4, r_pat.size) * (k > 0)
    # acute courses
    n_acute = rng.poisson(((end - entry) / 365.25) * 1.2)
    a_pat = np.repeat(np.arange(n), n_acute)
    a_med = rng.choice(acute_idx, size=a_pat.size, p=p_acute)
    a_day = entry[a_pat] + (rng.random(a_pat.size) * (end - entry[a_pat])).astype(np.int64)
    a_sup = rng.choice(np.array([5, 7, 10, 14, 30]), size=a_pat.size)
    all_pat = np.concatenate([r_pat, a_pat])
    all_day = np.concatenate([r_day, a_day])
    keep = all_day < end
    all_pat, all_day = all_pat[keep], all_day[keep]
    all_med = np.concatenate([r_med, a_med])[keep]
    all_sup = np.concatenate([r_sup, a_sup])[keep]
    prescriber = rng.integers(0, len(_SPECIALTIES), all_pat.size)
    order = np.lexsort((all_med, all_day, all_pat))
    all_pat, all_day, all_med, all_sup, prescriber = (x[order] for x in (all_pat, all_day, all_med, all_sup, prescriber))
    frame = pl.DataFrame({
        "patient_id": pl.Series((all_pat + offset).astype(np.int64)).cast(pl.String).str.zfill(9),
        "date": pl.Series(all_day.astype(np.int32)).cast(pl.Date),
        "atc": pl.Series(atcs[all_med]).cast(pl.Categorical),
        "days_supply": pl.Series(all_sup.astype(np.int32)),
        "prescriber": pl.Series(np.array(_SPECIALTIES)[prescriber]).cast(pl.Categorical),
        "birth_year": pl.Series(birth_year[all_pat]),
        "sex": pl.Series(sex[all_pat]).cast(pl.Categorical),
    })
    frame = frame.with_columns(("P" + pl.col("patient_id")).alias("patient_id"))
    return frame, counts
