"""The `mbo` command: a thin layer over the library. Each command parses options and makes library calls."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from .._errors import InputError, KnowledgeError, RenderError
from ._kb import kb
from ._memory import decide_command, history_command
from ._review import review_command, schema_command
from ._screen import pssa_command, screen_command, synth_command

__all__ = ["main", "cli"]

EXIT_INPUT = 2
EXIT_KNOWLEDGE = 3


class _Group(click.Group):
    """Turns the library's own errors into one line on stderr and the documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as err:
            click.echo(f"mbo: invalid input: {err}", err=True)
            ctx.exit(EXIT_INPUT)
        except KnowledgeError as err:
            click.echo(f"mbo: knowledge base invalid: {err}", err=True)
            ctx.exit(EXIT_KNOWLEDGE)
        except RenderError as err:
            click.echo(f"mbo: cannot write {err}", err=True)
            ctx.exit(EXIT_INPUT)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mbo")
def cli() -> None:
    """Structured medication review (medicatiebeoordeling) for older people with many medicines.

    \b
    Examples:
      mbo review patient.json                 review a FHIR Bundle, tables in Dutch
      mbo review patient.yaml -f html -o mbo.html
      mbo review patient.json --report huisarts -o brief.pdf   letter to the GP
      mbo review meds.csv --birth-date 1941-03-02 --sex female
      mbo kb check                            run every rule's examples
      mbo schema                              the native patient format (JSON Schema)
      mbo review patient.json --store         record it in the review memory
      mbo decide pat-001 F2 --accepted --reason "..."   a decision on a finding
      mbo history pat-001                     the patient's reviews and decisions
      mbo screen records.parquet --date 2026-01-01 -o selectie.csv   population screening
      mbo pssa records.parquet                sequence symmetry for every cascade
      mbo synth synth/ --rows 1000000         synthetic dispensing records

    Exit codes: 0 review done, 2 bad input (or an output that cannot be made here), 3 knowledge base invalid.
    """


cli.add_command(review_command)
cli.add_command(schema_command)
cli.add_command(kb)
cli.add_command(decide_command)
cli.add_command(history_command)
cli.add_command(screen_command)
cli.add_command(pssa_command)
cli.add_command(synth_command)

main: Callable[[], Any] = cli

if __name__ == "__main__":  # pragma: no cover
    sys.exit(cli())
