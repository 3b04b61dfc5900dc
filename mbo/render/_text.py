"""Terminal output: rich tables for findings and the reconciled list."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .._i18n import fmt_date, word
from .._review import Review
from ._views import provenance

__all__ = ["render_text"]

_COLOUR = {"high": "bold red", "moderate": "yellow", "low": "cyan"}


def render_text(review: Review, width: int = 120) -> str:
    """The review as plain text with box-drawn tables (no colour codes)."""
    lang = review.language
    en = lang == "en"
    console = Console(record=True, width=width, color_system=None, force_terminal=False, file=io.StringIO())
    p = review.patient
    console.print(Text(f"{'Medication review' if en else 'Medicatiebeoordeling'} — {fmt_date(review.review_date, lang)}"
                       f" — {p.age} {word('years', lang)}, {word(p.sex, lang)}", style="bold"))
    if p.conditions:
        console.print(Text(("Conditions: " if en else "Diagnosen: ") + ", ".join(p.conditions)))
    if p.labs:
        console.print(Text("Lab: " + "; ".join(p.labs.values())))
    unresolved = review.unresolved
    if unresolved:
        console.print(Text(f"\n{word('unresolved', lang).upper()}:", style="bold red"))
        for m in unresolved:
            console.print(Text(f"  • {m.text}"))
    findings = Table(title=("Findings" if en else "Bevindingen") + f" ({len(review.findings)})", show_lines=True,
                     expand=True)
    findings.add_column("#", no_wrap=True)
    findings.add_column("Severity" if en else "Ernst", no_wrap=True)
    findings.add_column("Kind" if en else "Soort", min_width=18)
    for col, ratio in (("Finding" if en else "Bevinding", 10), ("Advice" if en else "Advies", 8), ("Who" if en else "Wie", 4)):
        findings.add_column(col, ratio=ratio, overflow="fold")
    for f in review.findings:
        findings.add_row(f.id, Text(word(f.severity, lang), style=_COLOUR[f.severity]), word(f.kind, lang),
                         Text(f.title, style="bold") + Text("\n" + f.rationale), f.recommendation,
                         ", ".join(f.prescribers))
    console.print(findings)
    meds = Table(title="Medication list" if en else "Medicatieoverzicht", expand=True)
    for col, ratio in (("Voorschrijver" if not en else "Prescriber", 4), ("Geneesmiddel" if not en else "Medicine", 6),
                       ("ATC", 2), ("Dosering" if not en else "Dose", 4), ("Status", 2), ("Actie" if not en else "Action", 3),
                       ("Bev." if not en else "Find.", 2)):
        meds.add_column(col, ratio=ratio, overflow="fold")
    for m in review.medications:
        meds.add_row(m.prescriber or "—", m.name, m.atc or "—", m.dose or "", word(m.status, lang), word(m.action, lang),
                     " ".join(m.findings))
    console.print(meds)
    console.print(Text(provenance(review), style="dim"))
    return console.export_text()

