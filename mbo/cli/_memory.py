"""`mbo decide` and `mbo history`: the review memory (see mbo.Store)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from .._errors import InputError
from .._store import Store, default_store_path
from ._options import parse_date

__all__ = ["decide_command", "history_command"]

_store_option = click.option("--store", "store_path", metavar="PATH",
                             help="The review memory (default $MBO_STORE, else ~/.local/share/mbo/reviews.sqlite).")


def _open(store_path: str | None) -> Store:
    path = Path(store_path).expanduser() if store_path else default_store_path()
    if not path.is_file():
        raise InputError(str(path), "(store)", "no review memory here: record a review first (mbo review FILE --store)")
    return Store(path)


@click.command("decide")
@click.argument("patient")
@click.argument("finding", metavar="FINDING-ID")
@click.option("--accepted", "decision", flag_value="accepted", help="The proposal was accepted (PCNE A1.1 unless --acceptance).")
@click.option("--not-accepted", "decision", flag_value="not-accepted", help="Not accepted (PCNE A2.2 unless --acceptance).")
@click.option("--adapted", "decision", flag_value="adapted", help="Carried out in another form (PCNE A1.2 unless --acceptance).")
@click.option("--reason", help="Why (required).")
@click.option("--acceptance", metavar="A1.1", help="PCNE V9.1 acceptance code of that kind (A1.1–A1.4, A2.1–A2.4, A3.1–A3.2).")
@click.option("--intervention", metavar="I1.3", help="PCNE V9.1 intervention code (I0.1, I1.1–I1.4, I2.1–I2.4, I3.1–I3.6, I4.1–I4.2).")
@click.option("--prescriber", metavar="NAME", help="Who decided, and who stopped a medicine the decision stops.")
@click.option("--stopped", multiple=True, metavar="MEDICINE",
              help="A medicine this decision stops (ATC code or name); default: those the finding asks to stop, "
                   "when the stop is carried out (A1.1) or the intervention is I3.5.")
@click.option("--date", "on", callback=parse_date, help="Date of the decision (YYYY-MM-DD); default today.")
@click.option("--review-date", callback=parse_date, help="The review the finding belongs to; default the latest.")
@_store_option
def decide_command(patient: str, finding: str, decision: str | None, reason: str | None, acceptance: str | None,
                   intervention: str | None, prescriber: str | None, stopped: tuple[str, ...], on: dt.date | None,
                   review_date: dt.date | None, store_path: str | None) -> None:
    """Record the decision on one finding of a patient's review (PATIENT: the patient id or --patient-key).

    \b
    Examples:
      mbo decide pat-001 F2 --accepted --reason "NSAID gestopt, paracetamol" --intervention I3.5 --prescriber "H. Jansen"
      mbo decide pat-001 F5 --not-accepted --reason "patiënt wil het houden" --acceptance A2.2
      mbo decide pat-001 F3 --adapted --reason "simvastatine 20 mg" --intervention I3.2
    """
    if decision is None:
        raise InputError("mbo decide", "--accepted|--not-accepted|--adapted", "say what was decided")
    with _open(store_path) as store:
        done = store.decide(patient, finding, decision, reason=reason or "", acceptance=acceptance,
                            intervention=intervention, prescriber=prescriber, stopped=stopped, on=on,
                            review_date=review_date)
    codes = ", ".join(c for c in (done["acceptance"], done["intervention"]) if c)
    line = f"{done['finding']} ({done['review_date']}): {done['decision']} ({codes})"
    if done["stopped"]:
        line += "; stopped: " + ", ".join(done["stopped"])
    click.echo(line)


@click.command("history")
@click.argument("patient")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_store_option
def history_command(patient: str, fmt: str, store_path: str | None) -> None:
    """The reviews of one patient (PATIENT: the patient id or --patient-key), their findings and decisions.

    \b
    Examples:
      mbo history pat-001
      mbo history pat-001 --format json
    """
    with _open(store_path) as store:
        data = store.history(patient)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False) if fmt == "json" else _text(data))


def _text(data: dict[str, Any]) -> str:
    lines = [f"patient {data['patient'][:12]}… (pseudonymous key)"]
    for r in data["reviews"]:
        lines.append("")
        stamp = r["knowledge"]
        criteria = f" ({stamp['criteria']['set']})" if stamp["criteria"] else ""
        lines.append(f"{r['review_date']}  knowledge {stamp['version']}{criteria}  {len(r['findings'])} findings"
                     + (f", new since {r['previous_review']}: {', '.join(r['new_since_last']) or '-'}"
                        if r["previous_review"] else ""))
        for f in r["findings"]:
            lines.append(f"  {f['id']:<4} {f['severity']:<8} {f['title']}")
            for d in f["decisions"]:
                codes = ", ".join(c for c in (d["acceptance"], d["intervention"]) if c)
                who = f" by {d['prescriber']}" if d["prescriber"] else ""
                lines.append(f"       {d['on']} {d['decision']} ({codes}){who}: {d['reason']}")
    if data["stops"]:
        lines += ["", "stopped:"]
        for s in data["stops"]:
            atc = f" ({s['atc']})" if s["atc"] else ""
            who = f" by {s['by']}" if s["by"] else ""
            lines.append(f"  {s['on']}  {s['name']}{atc}{who}: {s['reason']}")
    return "\n".join(lines)
