"""Benchmark: a warm library review of a 15-medicine patient, a cold knowledge load, and a cold `mbo review` process.

    python benchmarks/bench_review.py [--runs N]

Prints the median and the spread with the machine it ran on. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mbo

PATIENT = {
    "patient": {"birth_date": "1941-02-03", "sex": "female"},
    "review_date": "2026-11-01",
    "conditions": [{"code": c, "system": "icd10", "onset": "2015-01-01"}
                   for c in ("I10", "I48.9", "E11.9", "G30.9", "N39.4", "M17.9", "I50.9", "J44.9")],
    "labs": [{"test": "egfr", "value": 38, "date": "2026-10-20"}, {"test": "potassium", "value": 5.2, "date": "2026-10-20"}],
    "medications": [{"atc": atc, "start": start, "dose": "1 dd 1"} for atc, start in [
        ("C08CA01", "2023-03-01"), ("C03CA01", "2023-07-12"), ("C07AB02", "2019-04-10"), ("B01AA07", "2019-04-10"),
        ("M01AB05", "2026-09-01"), ("A10BA02", "2012-02-01"), ("C10AA01", "2019-04-10"), ("N06DA02", "2023-01-15"),
        ("G04BD04", "2023-08-15"), ("N06AA09", "2021-06-01"), ("N05CD07", "2020-01-01"), ("N02BE01", "2020-02-01"),
        ("C09AA02", "2015-01-01"), ("A02BC01", "2019-01-01"), ("R03BB04", "2018-01-01")]],
}


def _machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def warm(runs: int) -> list[float]:
    kb = mbo.load_knowledge()
    mbo.review(PATIENT, knowledge=kb)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        mbo.review(PATIENT, knowledge=kb).to_json()
        times.append((time.perf_counter() - start) * 1000)
    return times


def cold(runs: int) -> list[float]:
    case = Path(__file__).resolve().parent.parent / "examples" / "voorbeeldpatient.yaml"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mbo", "review", str(case), "-f", "json"], check=True, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return times


_LOAD = "import time, mbo; t = time.perf_counter(); mbo.load_knowledge(); print((time.perf_counter() - t) * 1000)"


def cold_load(runs: int, use_cache: bool) -> list[float]:
    """Loading the knowledge base in a new process (imports excluded); with the JSON cache, or parsing the YAML."""
    env = dict(os.environ)
    times = []
    for _ in range(runs):
        if not use_cache:
            env["MBO_CACHE_DIR"] = tempfile.mkdtemp(prefix="mbo-bench-")  # empty: the YAML is parsed
        out = subprocess.run([sys.executable, "-c", _LOAD], check=True, capture_output=True, text=True, env=env)
        times.append(float(out.stdout))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    print(f"machine: {_machine()}")
    w = warm(args.runs)
    print(f"warm review, 15 medicines: median {statistics.median(w):.1f} ms (p90 {sorted(w)[int(len(w) * 0.9)]:.1f} ms, n={len(w)})")
    cached = cold_load(5, use_cache=True)
    fresh = cold_load(3, use_cache=False)
    print(f"cold knowledge load (new process, imports excluded): median {statistics.median(cached):.0f} ms with the "
          f"cache, {statistics.median(fresh):.0f} ms parsing the YAML")
    c = cold(max(3, args.runs // 40))
    print(f"cold `mbo review` process: median {statistics.median(c):.0f} ms (min {min(c):.0f}, max {max(c):.0f}, n={len(c)})")


if __name__ == "__main__":
    main()
