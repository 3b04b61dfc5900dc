"""What the commands share: reading option values, and a progress bar on stderr for long runs."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

__all__ = ["parse_date", "progress_option", "progress_bar"]

progress_option = click.option(
    "--progress/--no-progress", default=None,
    help="Show a progress bar on stderr (default: when stderr is a terminal).")


@contextmanager
def progress_bar(wanted: bool | None) -> Iterator[Callable[[str, int, int], None] | None]:
    """A callback `(step, done, total)` that draws a rich progress bar on stderr, or None when not wanted
    (by default only on a terminal, so scripts and `--format json` on stdout get no bar)."""
    if not (sys.stderr.isatty() if wanted is None else wanted):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None)

        def report(step: str, done: int, total: int, *_: Any) -> None:
            bar.update(task, description=step, completed=done, total=total)

        yield report


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """A click callback: an ISO date (YYYY-MM-DD), or a usage error naming the value."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
