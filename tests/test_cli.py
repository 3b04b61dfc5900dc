"""The command line: every command, its formats and its help."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mbo.cli import cli

from conftest import MINI


def test_review_json_contract(shared: Path) -> None:
    result = CliRunner().invoke(cli, ["review", str(shared / "cases" / "vka-nsaid.json"), "-f", "json", "--knowledge", str(MINI)])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert {"findings", "medications", "knowledge"} <= set(data)
    f = data["findings"][0]
    assert {"kind", "atc", "suggest", "severity", "title", "rationale", "recommendation", "prescribers", "rule",
            "sources", "pcne"} <= set(f)
    m = data["medications"][0]
    assert {"atc", "name", "status", "prescriber", "action", "findings"} <= set(m)
    assert data["knowledge"]["version"] == "test-1" and len(data["knowledge"]["hash"]) == 64
    assert data["knowledge"]["criteria"] == {"set": "STOPP/START v3", "file": None, "sha256": None, "rules": 5}


def test_every_format_and_output_file(shared: Path, tmp_path: Path) -> None:
    case = str(shared / "cases" / "vka-nsaid.json")
    for fmt in ("text", "md", "html", "json"):
        out = tmp_path / f"r.{fmt}"
        result = CliRunner().invoke(cli, ["review", case, "-f", fmt, "-o", str(out), "--knowledge", str(MINI)])
        assert result.exit_code == 0 and "naproxen" in out.read_text(encoding="utf-8")


def test_kb_check_passes_and_prints_counts() -> None:
    result = CliRunner().invoke(cli, ["kb", "check", "--knowledge", str(MINI)])
    assert result.exit_code == 0
    assert "interactions" in result.output and "0 failed" in result.output


def test_kb_show_a_rule_with_sources_and_examples() -> None:
    result = CliRunner().invoke(cli, ["kb", "show", "IA-vka-nsaid", "--knowledge", str(MINI)])
    assert result.exit_code == 0 and "sources:" in result.output and "examples:" in result.output
    missing = CliRunner().invoke(cli, ["kb", "show", "NOPE", "--knowledge", str(MINI)])
    assert missing.exit_code == 1 and "no rule" in missing.output


def test_schema_is_json_schema() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    schema = json.loads(result.output)
    assert result.exit_code == 0 and "medications" in schema["properties"]


def test_help_has_examples() -> None:
    for args in (["--help"], ["review", "--help"], ["kb", "check", "--help"], ["kb", "show", "--help"], ["kb", "stats", "--help"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0 and "Example" in result.output, args


def test_kb_stats_counts_and_no_rule_without_source_or_examples() -> None:
    result = CliRunner().invoke(cli, ["kb", "stats", "--knowledge", str(MINI), "--json"])
    stats = json.loads(result.output)
    assert result.exit_code == 0
    assert stats["interactions"] == 1 and stats["cascades"] == 1 and stats["vaccines"] == 1
    assert stats["rules without sources"] == 0 and stats["rules without both kinds of example"] == 0
    text = CliRunner().invoke(cli, ["kb", "stats", "--knowledge", str(MINI)])
    assert "STOPP v3 criteria" in text.output


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    names = []
    for name, command in cli.commands.items():
        subcommands = getattr(command, "commands", None)
        names += [f"mbo {name} {sub}" for sub in subcommands] if subcommands else [f"mbo {name}"]
    missing = [n for n in names if n not in readme]
    assert not missing, f"commands not in README.md: {missing}"
