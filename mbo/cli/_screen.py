"""`mbo screen`, `mbo pssa` and `mbo synth`: population screening, sequence symmetry, synthetic data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from .._knowledge import load_knowledge

from ._options import parse_date, progress_bar, progress_option

__all__ = ["screen_command", "pssa_command", "synth_command"]

_FORMATS = ("csv", "parquet", "json")



def _format(fmt: str | None, output: str | None) -> str:
    if fmt:
        return fmt
    suffix = Path(output).suffix.lower().lstrip(".") if output else ""
    return suffix if suffix in _FORMATS else "csv"


def _emit(text: str | None, output: str | None, fmt: str) -> None:
    if text is not None:
        click.echo(text, nl=False)
    elif output:
        click.echo(f"mbo: wrote {output} ({fmt})", err=True)


@click.command("screen")
@click.argument("source", metavar="FILE", required=False)
@click.option("--date", "reference_date", callback=parse_date, required=True, help="Reference date (YYYY-MM-DD).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of stdout.")
@click.option("-f", "--format", "fmt", type=click.Choice(_FORMATS), help="Default: from the -o suffix, else csv.")
@click.option("--review", is_flag=True, help="Review every selected patient with the full engine.")
@click.option("--patients", type=click.Path(exists=False), help="Per-patient file: patient_id, birth_year, sex.")
@click.option("--conditions", type=click.Path(exists=False), help="Conditions: patient_id, code, system, text, onset.")
@click.option("--labs", type=click.Path(exists=False), help="Labs: patient_id, test, value, unit, date.")
@click.option("--grace-days", type=click.IntRange(0), default=30, show_default=True, help="Grace period between dispensings.")
@click.option("--chronic-days", type=click.IntRange(1),
              help="Days' supply that makes one dispensing chronic (default: knowledge/selection.yaml, 90).")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True, help="Language of review findings.")
@click.option("--knowledge", "knowledge_dir", type=click.Path(file_okay=False), help="Use another knowledge folder.")
@click.option("--omop", type=click.Path(dir_okay=False), help="Read an OMOP CDM DuckDB file instead of FILE "
              "(needs the extra: pip install 'mbo[omop]').")
@click.option("--workers", type=click.IntRange(1), help="Run over patient partitions on a local Dask cluster of N workers "
              "(needs the extra: pip install 'mbo[scale]').")
@progress_option
def screen_command(source: str, reference_date: dt.date, output: str | None, fmt: str | None, review: bool,
                   patients: str | None, conditions: str | None, labs: str | None, grace_days: int,
                   chronic_days: int | None,
                   lang: str, knowledge_dir: str | None, omop: str | None, workers: int | None,
                   progress: bool | None) -> None:
    """Screen dispensing records (CSV or Parquet) at a date: who needs a medication review, and why.

    \b
    Examples:
      mbo screen afleveringen.parquet --date 2026-01-01 -o selectie.csv
      mbo screen afleveringen.csv --date 2026-01-01 --format json --review
      mbo screen synth/ --date 2025-06-01 --workers 2 -o selectie.parquet
      mbo screen --omop eunomia.duckdb --date 2019-07-01
    """
    from .._errors import InputError
    from ..population import Records, read_omop, screen, screen_distributed

    if (source is None) == (omop is None):
        raise InputError("(options)", "FILE", "give a records FILE or --omop FILE.duckdb (one of the two)")
    if omop and (patients or conditions or labs):
        raise InputError("(options)", "--omop", "an OMOP database brings its own patients, conditions and labs")
    kb = load_knowledge(knowledge_dir) if knowledge_dir else None
    src: str | Records = read_omop(omop, knowledge=kb) if omop else source
    options = dict(knowledge=kb, grace_days=grace_days, chronic_days=chronic_days, review=review, lang=lang,
                   patients=patients, conditions=conditions, labs=labs)
    with progress_bar(progress) as report:
        if workers:
            result = screen_distributed(src, reference_date, workers=workers, progress=report, **options)  # type: ignore[arg-type]
        else:
            result = screen(src, reference_date, progress=report, **options)  # type: ignore[arg-type]
    form = _format(fmt, output)
    _emit(result.write(output, form), output, form)  # type: ignore[arg-type]
    if form != "json" or output:
        s = result.summary
        click.echo(f"mbo: {s['patients_with_medicines']} patients with medicines on {s['reference_date']}, "
                   f"{s['selected']} selected for review, {s['with_high_interaction']} with a high-severity "
                   f"interaction, {s['with_cascade_pattern']} with a cascade pattern", err=True)


@click.command("pssa")
@click.argument("source", metavar="FILE")
@click.option("--index", metavar="ATC", help="Index drug: ATC code/prefix or drug group id (comma-separated for several).")
@click.option("--marker", metavar="ATC", help="Marker drug, as --index.")
@click.option("--washout-days", type=click.IntRange(0), default=365, show_default=True,
              help="Days of data before a first dispensing counts as incident.")
@click.option("--window-days", type=click.IntRange(1), help="Days between index and marker (default: each cascade's window, else 365).")
@click.option("--nsr-window-days", type=click.IntRange(1), default=548, show_default=True,
              help="Moving window of the null-effect ratio.")
@click.option("--null-model", type=click.Choice(["population", "pairs"]), default="population", show_default=True,
              help="Null-effect ratio from every incident user (population) or, as CohortSymmetry, from the pairs.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of stdout.")
@click.option("-f", "--format", "fmt", type=click.Choice(_FORMATS), help="Default: from the -o suffix, else csv.")
@click.option("--knowledge", "knowledge_dir", type=click.Path(file_okay=False), help="Use another knowledge folder.")
@progress_option
def pssa_command(source: str, index: str | None, marker: str | None, washout_days: int, window_days: int | None,
                 nsr_window_days: int, null_model: str, output: str | None, fmt: str | None,
                 knowledge_dir: str | None, progress: bool | None) -> None:
    """Prescription sequence symmetry analysis for every cascade, or for one --index/--marker pair.

    \b
    Examples:
      mbo pssa afleveringen.parquet -o cascades.csv
      mbo pssa afleveringen.parquet --index C08CA --marker C03C --format json
    """
    from ..population import pssa
    from ..population._screen import write_frame

    kb = load_knowledge(knowledge_dir) if knowledge_dir else None
    with progress_bar(progress) as report:
        table = pssa(source, index=index, marker=marker, knowledge=kb, washout_days=washout_days,
                     window_days=window_days, nsr_window_days=nsr_window_days, null_model=null_model,  # type: ignore[arg-type]
                     progress=report)
    form = _format(fmt, output)
    _emit(write_frame(table, output, form), output, form)


@click.command("synth")
@click.argument("output", metavar="OUT")
@click.option("--rows", type=click.IntRange(1), required=True, help="How many dispensing records (1,000 to 100M).")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed: the same seed gives the same data.")
@click.option("--cascade-rate", type=click.FloatRange(0, 1), default=0.02, show_default=True,
              help="Share of patients with a planted sequence, per cascade.")
@progress_option
def synth_command(output: str, rows: int, seed: int, cascade_rate: float, progress: bool | None) -> None:
    """Write synthetic dispensing records: OUT.csv, or a folder of Parquet parts; prints what was planted (JSON).

    \b
    Examples:
      mbo synth synth/ --rows 1000000 --seed 7
      mbo synth test.csv --rows 5000
    """
    from ..population import synth

    with progress_bar(progress) as report:
        info = synth(output, rows, seed=seed, cascade_rate=cascade_rate, progress=report)
    click.echo(json.dumps(info, indent=1))


