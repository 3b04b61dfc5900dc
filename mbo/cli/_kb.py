"""`mbo kb check` and `mbo kb show`."""

from __future__ import annotations

import json

import click
import yaml

from .._errors import KnowledgeError
from .._kb_examples import example_cases, run_example
from .._knowledge import knowledge_stats, load_knowledge

__all__ = ["kb"]


@click.group("kb")
def kb() -> None:
    """Inspect and test the knowledge base."""


@kb.command("check")
@click.option("--knowledge", "knowledge_dir", type=click.Path(file_okay=False), help="Another knowledge folder.")
def check(knowledge_dir: str | None) -> None:
    """Validate every file and run every rule's examples; exit 3 when any fails.

    \b
    Example:
      mbo kb check
    """
    base = load_knowledge(knowledge_dir) if knowledge_dir else load_knowledge()
    results = [run_example(base, case) for case in example_cases(base)]
    failed = [r for r in results if not r.passed]
    click.echo(f"knowledge {base.version} ({base.hash[:12]})")
    for name, count in base.counts().items():
        click.echo(f"  {name:<14} {count:>6}")
    click.echo(f"  examples       {len(results):>6} run, {len(results) - len(failed)} passed, {len(failed)} failed")
    for r in failed:
        click.echo(f"FAIL {r.case.name}: {r.message}")
    if failed:
        raise KnowledgeError("examples", f"{len(failed)} of {len(results)} examples failed")


@kb.command("stats")
@click.option("--knowledge", "knowledge_dir", type=click.Path(file_okay=False), help="Another knowledge folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def stats(knowledge_dir: str | None, as_json: bool) -> None:
    """Count the knowledge base per kind; rules without sources or examples must be 0.

    \b
    Example:
      mbo kb stats
    """
    base = load_knowledge(knowledge_dir) if knowledge_dir else load_knowledge()
    counts = knowledge_stats(base)
    if as_json:
        click.echo(json.dumps(counts, indent=2))
        return
    click.echo(f"knowledge {base.version} ({base.hash[:12]})")
    width = max(len(k) for k in counts)
    for name, count in counts.items():
        click.echo(f"  {name:<{width}} {count:>6}")


@kb.command("show")
@click.argument("ident")
@click.option("--knowledge", "knowledge_dir", type=click.Path(file_okay=False), help="Another knowledge folder.")
def show(ident: str, knowledge_dir: str | None) -> None:
    """Show one rule, group, condition or substance with its sources and examples.

    \b
    Examples:
      mbo kb show STOPP-E4
      mbo kb show nsaid
      mbo kb show C08CA01
    """
    base = load_knowledge(knowledge_dir) if knowledge_dir else load_knowledge()
    entry = (base.rules.get(ident) or base.groups.get(ident) or base.conditions.get(ident)
             or base.substances.get(ident) or base.effects.get(ident))
    if entry is None:
        raise click.ClickException(f"no rule, group, condition, effect or substance with id {ident!r}")
    data = entry.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    click.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110))
