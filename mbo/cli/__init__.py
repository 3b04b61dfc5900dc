"""The `mbo` command: a thin layer over the library. Each command parses options and makes library calls."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from .._errors import InputError, KnowledgeError
from ._kb import kb
from ._review import review_command, schema_command

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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mbo")
def cli() -> None:
    """Structured medication review (medicatiebeoordeling) for older people with many medicines.

    \b
    Examples:
      mbo review patient.json                 review a FHIR Bundle, tables in Dutch
      mbo review patient.yaml -f html -o mbo.html
      mbo review meds.csv --birth-date 1941-03-02 --sex female
      mbo kb check                            run every rule's examples
      mbo schema                              the native patient format (JSON Schema)

    Exit codes: 0 review done, 2 bad input, 3 knowledge base invalid.
    """


cli.add_command(review_command)
cli.add_command(schema_command)
cli.add_command(kb)

main: Callable[[], Any] = cli

if __name__ == "__main__":  # pragma: no cover
    sys.exit(cli())
