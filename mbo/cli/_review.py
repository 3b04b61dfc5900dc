"""`mbo review` and `mbo schema`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from .._engine import review
from .._errors import InputError
from .._knowledge import load_knowledge
from .._store import default_store_path
from ..readers import native_schema
from ..render import FORMATS, REPORT_FORMATS, REPORTS, render

from ._options import parse_date

__all__ = ["review_command", "schema_command"]



@click.command("review")
@click.argument("sources", metavar="FILE...", nargs=-1, required=True)
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format; json is the contract for scripts, fhir an R4 Bundle. "
                   "Default: from the -o suffix (.html .pdf .md .json), else html for a --report, else text.")
@click.option("-r", "--report", type=click.Choice(REPORTS), default="review", show_default=True,
              help="Which report (html, pdf or md): the whole review, the MDB dossier, the letter to the GP, "
                   "per prescriber, or the patient's own list.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True, help="Language of the report.")
@click.option("--review-date", callback=parse_date, help="Review date (YYYY-MM-DD); default: the Bundle's timestamp, else today.")
@click.option("--birth-date", callback=parse_date, help="Birth date, for a CSV list that holds none.")
@click.option("--sex", type=click.Choice(["female", "male"]), help="Sex, for a CSV list that holds none.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of stdout.")
@click.option("--knowledge", "knowledge_dir", type=click.Path(file_okay=False), help="Use another knowledge folder.")
@click.option("--criteria", metavar="FILE.xml",
              help="Use the STOPP/START v2 algorithms (Huibers et al. 2018, XML as published) instead of the v3 criteria.")
@click.option("--store", "store", is_flag=False, flag_value="", default=None, metavar="[PATH]",
              help="Record the review in the review memory and report what it remembers (PATH: default $MBO_STORE, "
                   "else ~/.local/share/mbo/reviews.sqlite).")
@click.option("--patient-key", metavar="KEY", help="File the review under this key when the input has no patient id.")
def review_command(sources: tuple[str, ...], fmt: str, lang: str, review_date: dt.date | None, birth_date: dt.date | None,
                   sex: str | None, output: str | None, knowledge_dir: str | None, criteria: str | None,
                   store: str | None = None, patient_key: str | None = None, report: str = "review") -> None:
    """Review one patient: FILE is a FHIR R4 Bundle, a native YAML/JSON patient or a CSV list ("-" reads stdin).

    Several FILEs are several lists of the same patient (GP, pharmacy, hospital, the patient), each
    optionally labelled as LABEL=FILE; the review then reports where the lists disagree.

    \b
    Examples:
      mbo review patient.json
      mbo review patient.json --format json > review.json
      cat patient.json | mbo review - --lang en
      mbo review huisarts=gp.json apotheek=afleverhistorie.csv ziekenhuis=opname.json
      mbo review patient.json --store         remember it; report restarts and what is still open
      mbo review patient.json --report huisarts -o brief.pdf
      mbo review patient.json --format fhir -o review.fhir.json
    """
    fmt = fmt or _format_for(output, report)
    if report != "review" and fmt not in REPORT_FORMATS:
        raise click.BadParameter(f"the {report} report comes as {', '.join(REPORT_FORMATS)}, not {fmt}",
                                 param_hint="'--report'")
    kb = load_knowledge(knowledge_dir) if knowledge_dir else load_knowledge()
    source = sources[0] if len(sources) == 1 else list(sources)
    result = review(source, review_date=review_date, knowledge=kb, lang=lang,  # type: ignore[arg-type]
                    birth_date=birth_date, sex=sex, criteria=criteria,
                    store=None if store is None else (store or default_store_path()), patient_key=patient_key)
    text = render(result, fmt, report=report)  # type: ignore[call-overload]
    if output:
        try:
            if isinstance(text, bytes):
                Path(output).write_bytes(text)
            else:
                Path(output).write_text(text, encoding="utf-8")
        except OSError as err:
            raise InputError(output, "(output)", f"cannot write: {err.strerror}") from None
    else:
        click.echo(text, nl=False)


def _format_for(output: str | None, report: str) -> str:
    """The format an output file's suffix asks for; else html for a report, text for the review."""
    suffix = Path(output).suffix.lower() if output else ""
    by_suffix = {".html": "html", ".htm": "html", ".pdf": "pdf", ".md": "md", ".json": "json"}
    return by_suffix.get(suffix, "html" if report != "review" else "text")


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the native patient format (YAML or JSON)."""
    click.echo(json.dumps(native_schema(), indent=2, ensure_ascii=False))
