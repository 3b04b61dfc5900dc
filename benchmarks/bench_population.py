"""Benchmark: population screening, PSSA and the same screening as DuckDB SQL, on `mbo synth` data.

    python benchmarks/bench_population.py [--rows 100000000] [--data DIR] [--date 2025-06-01]

Generates --rows synthetic dispensings with `mbo synth` (or reuses --data when that folder exists), then runs
each step in its own process and reports its wall-clock time and its peak resident memory (the child's
ru_maxrss, read with os.wait4: polars allocates outside Python, so tracemalloc would not see it):

    synth     `mbo synth DIR --rows N`
    screen    mbo.screen(DIR, date)
    pssa      mbo.pssa(DIR): every cascade of the knowledge base
    duckdb    the same screening written as DuckDB SQL (needs the `bench` extra: pip install -e ".[bench]")

The DuckDB query follows mbo/population/_screen.py step for step (episodes with a grace period, medicines
in use, chronic medicines as the guideline counts them, age, selection, burden, cascade patterns, high-severity interactions, ranking);
the knowledge tables it joins are the ones the screening builds. Its counts are checked against the
screening's summary. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

GRACE_DAYS = 30


def _run(cmd: list[str]) -> tuple[float, float, str]:
    """Run a command; its wall-clock seconds, its peak RSS in MB and its stdout."""
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            sys.exit(f"bench_population: {' '.join(cmd)} failed with exit code {proc.returncode}")
        out.seek(0)
        text = out.read().decode()
    rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return seconds, rss_mb, text


def _step_screen(data: str, ref: dt.date) -> dict[str, Any]:
    import mbo

    t0 = time.perf_counter()
    result = mbo.screen(data, ref, grace_days=GRACE_DAYS)
    s = result.summary
    return {"seconds": time.perf_counter() - t0, "patients": s["patients_with_medicines"], "selected": s["selected"],
            "with_cascade_pattern": s["with_cascade_pattern"], "with_high_interaction": s["with_high_interaction"]}


def _step_pssa(data: str) -> dict[str, Any]:
    import mbo

    t0 = time.perf_counter()
    table = mbo.pssa(data)
    return {"seconds": time.perf_counter() - t0, "pairs": table.height}


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _step_duckdb(data: str, ref: dt.date) -> dict[str, Any]:
    import duckdb
    import polars as pl

    from mbo._knowledge import load_knowledge
    from mbo.population._medicines import resolve_products
    from mbo._selectors import ATC_CODE, ATC_LEVEL_LENGTH
    from mbo.population._tables import KnowledgeTables

    t0 = time.perf_counter()
    kb = load_knowledge()
    chronic = kb.selection.chronic
    atc_chars = ATC_LEVEL_LENGTH[chronic.count_atc_level]
    is_atc = f"regexp_full_match(u.key, '{ATC_CODE[1:-1]}')"
    prefixes = " OR ".join(f"starts_with(u.key, '{prefix}')" for prefix in chronic.exclude_atc) or "false"
    excluded = f"({is_atc} AND ({prefixes}))"
    con = duckdb.connect()
    src = (str(Path(data) / "*.parquet") if Path(data).is_dir() else data).replace("'", "''")
    reader = f"read_parquet('{src}')" if src.endswith(".parquet") else f"read_csv_auto('{src}')"
    cols = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()}
    product = "d.product" if "product" in cols else "NULL::VARCHAR"
    aliases = pl.DataFrame({"old": list(kb.aliases), "new": list(kb.aliases.values())},
                           schema={"old": pl.String, "new": pl.String})
    products = (con.sql(f"SELECT DISTINCT product FROM {reader} WHERE atc IS NULL AND product IS NOT NULL").pl()
                ["product"].to_list() if "product" in cols else [])
    mapping = resolve_products(kb, products)
    con.register("aliases", aliases.to_arrow())
    con.register("products", mapping.to_arrow())
    ref_sql = f"DATE '{ref.isoformat()}'"
    con.execute(f"""
        CREATE TEMP TABLE in_use AS
        WITH r AS (
            SELECT d.patient_id, d.date, COALESCE(a.new, d.atc::VARCHAR, p._resolved) AS key,
                   d.date + d.days_supply::INTEGER AS "end"
            FROM {reader} d LEFT JOIN aliases a ON a.old = d.atc::VARCHAR
                 LEFT JOIN products p ON p.product = {product}
            WHERE d.date <= {ref_sql}),
        p AS (
            SELECT *, MAX("end") OVER (PARTITION BY patient_id, key ORDER BY date, "end"
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev
            FROM r)
        SELECT patient_id, key, MAX(date) FILTER (WHERE prev IS NULL OR date > prev + {GRACE_DAYS}) AS start,
               count(*) FILTER (WHERE date > {ref_sql} - {chronic.window_days}) >= {chronic.min_dispensings}
               OR coalesce(max("end" - date) FILTER (WHERE date > {ref_sql} - {chronic.window_days}), 0)
                  >= {chronic.min_days_supply} AS chronic,
               MAX("end") AS "end"
        FROM p GROUP BY patient_id, key
        HAVING MAX("end") + {GRACE_DAYS} >= {ref_sql}""")
    keys = [r[0] for r in con.execute("SELECT DISTINCT key FROM in_use").fetchall()]
    t = KnowledgeTables(kb, keys)
    con.register("meds", t.meds.to_arrow())
    con.register("burden", t.burden.to_arrow())
    con.register("roles", t.roles.to_arrow())
    con.register("cascades", t.cascades.to_arrow())
    burden_cols = ", ".join(f"COALESCE(SUM(b.score) FILTER (WHERE b.scale = '{s}'), 0) AS \"burden_{s}\""
                            for s, _ in t.scales) or "NULL AS _none"
    interactions = []
    for n in sorted(set(t.interactions.values())):
        rules = _sql_list([r for r, k in t.interactions.items() if k == n])
        joins, conds = [], []
        for i in range(n):
            joins.append(f"ir r{i}" if i == 0 else f"JOIN ir r{i} ON r{i}.patient_id = r0.patient_id AND r{i}.rule = r0.rule")
            conds.append(f"r{i}.role = '{i}'")
            conds.extend(f"r{j}.key <> r{i}.key AND len(list_intersect(r{j}.components, r{i}.components)) = 0"
                         for j in range(i))
        interactions.append(f"SELECT DISTINCT r0.patient_id, r0.rule FROM {' '.join(joins)} "
                            f"WHERE r0.rule IN (SELECT unnest({rules})) AND {' AND '.join(conds)}")
    ia_sql = " UNION ".join(interactions) or "SELECT NULL::VARCHAR AS patient_id, NULL::VARCHAR AS rule WHERE false"
    rank_burden = "".join(f'"burden_{s}" DESC, ' for s, _ in t.scales)
    ranked = con.sql(f"""
        WITH ir AS (SELECT u.patient_id, r.rule, r.role, u.key, m.components
                    FROM in_use u JOIN roles r USING (key) JOIN meds m USING (key)),
        ia AS (SELECT patient_id, count(DISTINCT rule) AS n_ia FROM ({ia_sql}) GROUP BY patient_id),
        cp AS (
            SELECT i.patient_id, count(DISTINCT i.rule) AS n_cascades
            FROM ir i JOIN ir m ON m.patient_id = i.patient_id AND m.rule = i.rule JOIN cascades c ON c.rule = i.rule
            JOIN in_use ui ON ui.patient_id = i.patient_id AND ui.key = i.key
            JOIN in_use um ON um.patient_id = m.patient_id AND um.key = m.key
            WHERE i.role = 'index' AND m.role = 'marker' AND i.key <> m.key
              AND len(list_intersect(i.components, m.components)) = 0
              AND um.start - ui.start BETWEEN c.min_days AND c.window_days
            GROUP BY i.patient_id),
        people AS (SELECT patient_id, any_value(birth_year) AS birth_year, any_value(sex::VARCHAR) AS sex
                   FROM {reader} GROUP BY patient_id),
        per AS (
            SELECT u.patient_id, count(*) AS medicines,
                   count(DISTINCT CASE WHEN {is_atc} THEN left(u.key, {atc_chars}) ELSE u.key END)
                       FILTER (WHERE u.chronic AND NOT {excluded}) AS chronic_medicines
            FROM in_use u GROUP BY u.patient_id),
        bur AS (SELECT u.patient_id, {burden_cols} FROM in_use u LEFT JOIN burden b USING (key) GROUP BY u.patient_id),
        out AS (
            SELECT per.*, {ref.year} - pe.birth_year - {int((ref.month, ref.day) < (7, 1))} AS age, pe.sex,
                   bur.* EXCLUDE (patient_id), COALESCE(ia.n_ia, 0) AS n_ia, COALESCE(cp.n_cascades, 0) AS n_cascades
            FROM per LEFT JOIN people pe USING (patient_id) LEFT JOIN bur USING (patient_id)
                 LEFT JOIN ia USING (patient_id) LEFT JOIN cp USING (patient_id))
        SELECT row_number() OVER (ORDER BY selected DESC, n_ia DESC, n_cascades DESC, {rank_burden}
                                  chronic_medicines DESC, age DESC, patient_id) AS rank, *
        FROM (SELECT *, age >= {kb.selection.min_age} AND chronic_medicines >= {kb.selection.min_chronic_medicines}
              AS selected FROM out)
        ORDER BY rank""").pl()
    return {"seconds": time.perf_counter() - t0, "patients": ranked.height, "selected": int(ranked["selected"].sum()),
            "with_cascade_pattern": int((ranked["n_cascades"] > 0).sum()),
            "with_high_interaction": int((ranked["n_ia"] > 0).sum())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", help="Synthetic data folder (generated there when it does not exist).")
    ap.add_argument("--date", default="2025-06-01", help="Reference date of the screening.")
    ap.add_argument("--skip-duckdb", action="store_true")
    ap.add_argument("--step", choices=["screen", "pssa", "duckdb"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    ref = dt.date.fromisoformat(args.date)
    if args.step:
        fn = {"screen": lambda: _step_screen(args.data, ref), "pssa": lambda: _step_pssa(args.data),
              "duckdb": lambda: _step_duckdb(args.data, ref)}[args.step]
        print(json.dumps(fn()))
        return

    with tempfile.TemporaryDirectory(prefix="mbo-bench-") as tmp:
        data = args.data or str(Path(tmp) / "synth")
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"{args.rows:,} rows, reference date {ref}", flush=True)
        if not Path(data).exists():
            mbo_cli = str(Path(sys.executable).with_name("mbo"))
            cmd = [mbo_cli if Path(mbo_cli).exists() else "mbo", "synth", data, "--rows", str(args.rows),
                   "--seed", str(args.seed)]
            sec, rss, out = _run(cmd)
            info = json.loads(out)
            print(f"synth   {sec:8.1f} s  peak {rss:8.0f} MB  ({info['rows']:,} rows, {info['patients']:,} patients)",
                  flush=True)
        results: dict[str, dict[str, Any]] = {}
        steps = ["screen", "pssa"] + ([] if args.skip_duckdb else ["duckdb"])
        for step in steps:
            sec, rss, out = _run([sys.executable, __file__, "--step", step, "--data", data, "--date", args.date])
            res = json.loads(out)
            res["wall"], res["rss"] = sec, rss
            results[step] = res
            extra = {k: v for k, v in res.items() if k not in ("seconds", "wall", "rss")}
            print(f"{step:7} {sec:8.1f} s  peak {rss:8.0f} MB  (in process {res['seconds']:.1f} s; {extra})", flush=True)
        if "duckdb" in results:
            s, d = results["screen"], results["duckdb"]
            same = all(s[k] == d[k] for k in ("patients", "selected", "with_cascade_pattern", "with_high_interaction"))
            print(f"screen / duckdb: {s['wall'] / d['wall']:.2f} (wall), {s['seconds'] / d['seconds']:.2f} (in process); "
                  f"peak memory {s['rss'] / d['rss']:.2f}; counts {'equal' if same else 'DIFFER'}")


if __name__ == "__main__":
    main()
