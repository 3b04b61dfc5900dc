"""What the commands share: reading option values."""

from __future__ import annotations

import datetime as dt

import click

__all__ = ["parse_date"]


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """A click callback: an ISO date (YYYY-MM-DD), or a usage error naming the value."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None
