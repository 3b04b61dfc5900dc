"""Scale-out: the screening over patient partitions on Dask distributed (optional extra `scale`).

    records --hash(patient_id) mod n--> n partitions --screen_frame on the workers--> unranked rows
            --concat, rank_patients, summarise on the client--> the same ScreenResult as `screen`

Every row of the screening depends on one patient's records only (episodes, medicines in use, burden,
cascade patterns and interactions are per patient), so the partitions are independent and the ranked
result equals the single-machine run. With `review=True` each partition reviews its own selected patients.

    >>> from dask.distributed import Client                                   # doctest: +SKIP
    >>> result = screen_distributed("synth/", dt.date(2025, 6, 1), client=Client("scheduler:8786"))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any, Literal

import polars as pl

from .._errors import InputError
from .._knowledge import Knowledge, load_knowledge
from ._progress import ProgressFn, Steps
from ._records import Records, read_records
from ._screen import ScreenResult, burden_scales, rank_patients, review_selected, screen_frame, summarise

__all__ = ["screen_distributed", "partition_records"]

_SEED = 20250601  # fixed hash seed: the same patient falls in the same partition on every worker


def partition_records(records: Records, index: int, partitions: int) -> Records:
    """The records of the patients whose id hashes to `index` (of `partitions`)."""
    def part(lf: pl.LazyFrame) -> pl.LazyFrame:
        return lf.filter(pl.col("patient_id").str.strip_chars().hash(seed=_SEED) % partitions == index)
    return Records(source=records.source, rows=part(records.rows), patients=part(records.patients),
                   conditions=part(records.conditions) if records.conditions is not None else None,
                   labs=part(records.labs) if records.labs is not None else None, medicines=records.medicines)


def _partition(index: int, partitions: int, source: Any, files: dict[str, str | None], kb: Knowledge | None,
               ref: dt.date, grace_days: int, chronic_days: int | None, review: bool,
               lang: Literal["nl", "en"]) -> tuple[pl.DataFrame, dict[str, Any], dict[str, Any]]:
    kb = kb or load_knowledge()
    records = source if isinstance(source, Records) else read_records(
        source, patients=files["patients"], conditions=files["conditions"], labs=files["labs"], check=False)
    part = partition_records(records, index, partitions)
    out, in_use = screen_frame(part, kb, ref, grace_days=grace_days, chronic_days=chronic_days)
    if not review:
        return out, {}, {}
    selected = rank_patients(out, burden_scales(kb), kb.selection).filter(pl.col("selected"))["patient_id"].to_list()
    documents, reviews = review_selected(part, in_use, kb, ref, selected, lang)
    return out, documents, reviews


def screen_distributed(source: str | os.PathLike[str] | Records, reference_date: dt.date, *, client: Any = None,
                       workers: int = 2, partitions: int | None = None, processes: bool = False,
                       knowledge: Knowledge | None = None, grace_days: int = 30, chronic_days: int | None = None,
                       review: bool = False, lang: Literal["nl", "en"] = "nl",
                       patients: str | os.PathLike[str] | None = None,
                       conditions: str | os.PathLike[str] | None = None,
                       labs: str | os.PathLike[str] | None = None, progress: ProgressFn | None = None) -> ScreenResult:
    """`screen` over patient partitions on Dask distributed; the result equals `screen`'s.

    `client`: a dask.distributed Client of an existing cluster; without one a LocalCluster of `workers`
    workers (threads unless `processes`) is started for the call. `partitions`: default 2 per worker.
    `progress(step, done, total)` is called as the partitions finish.
    """
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError("(options)", "--workers", "needs Dask distributed: pip install 'mbo[scale]'") from None
    if workers < 1:
        raise InputError("(options)", "--workers", "give at least 1 worker")
    kb = knowledge or load_knowledge()
    files = {"patients": str(patients) if patients else None, "conditions": str(conditions) if conditions else None,
             "labs": str(labs) if labs else None}
    src: Any = source if isinstance(source, Records) else str(source)
    records = src if isinstance(src, Records) else read_records(  # checks the input once, here
        src, patients=files["patients"], conditions=files["conditions"], labs=files["labs"])
    if client is None:
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None) as cluster, \
                Client(cluster) as local:
            return screen_distributed(src if processes else records, reference_date, client=local,
                                      workers=workers, partitions=partitions, knowledge=knowledge,
                                      grace_days=grace_days, chronic_days=chronic_days, review=review, lang=lang,
                                      patients=patients, conditions=conditions, labs=labs, progress=progress)
    n = partitions or 2 * max(1, len(client.scheduler_info().get("workers", {})) or workers)
    futures = client.map(_partition, range(n), partitions=n, source=src, files=files, kb=knowledge,
                         ref=reference_date, grace_days=grace_days, chronic_days=chronic_days, review=review,
                         lang=lang, pure=False)
    steps = Steps(progress, n)
    steps(f"screening {n} partitions on {len(client.scheduler_info().get('workers', {}))} workers")
    for _ in as_completed(futures):
        steps("screening partitions")
    parts = client.gather(futures)
    frames = [p[0] for p in parts if p[0].height] or [parts[0][0]]
    scales = burden_scales(kb)
    ranked = rank_patients(pl.concat(frames, how="vertical_relaxed"), scales, kb.selection)
    result = ScreenResult(reference_date=reference_date, patients=ranked,
                          summary=summarise(ranked, reference_date, scales, kb.selection))
    if review:
        documents = {pid: doc for p in parts for pid, doc in p[1].items()}
        reviews = {pid: r for p in parts for pid, r in p[2].items()}
        result.documents = {pid: documents[pid] for pid in sorted(documents)}
        result.reviews = {pid: reviews[pid] for pid in sorted(reviews)}
        result.summary["reviewed"] = len(result.reviews)
        result.summary["review_findings"] = sum(len(r.findings) for r in result.reviews.values())
    return result
