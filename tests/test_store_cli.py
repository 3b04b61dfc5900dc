"""`mbo review --store`, `mbo decide` and `mbo history`: thin commands over mbo.Store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mbo.cli import cli

from test_store import _MEDS, _patient


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {"store": tmp_path / "reviews.sqlite"}
    for name, day, meds in (("first", "2026-11-01", _MEDS),
                            ("later", "2027-02-01", [*_MEDS[:1], {"name": "Diclofenac 50 mg", "prescriber": "orth",
                                                                 "start": "2027-01-10"}, *_MEDS[2:]])):
        out[name] = tmp_path / f"{name}.yaml"
        out[name].write_text(yaml.safe_dump(_patient(day, meds)), encoding="utf-8")
    return out


def _run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def _finding(output: str, rule: str) -> dict[str, object]:
    return next(f for f in json.loads(output)["findings"] if f["rule"] == rule)


def test_review_decide_review_history(files: dict[str, Path]) -> None:
    code, out = _run("review", files["first"], "-f", "json", "--store", files["store"])
    assert code == 0 and json.loads(out)["previous_review"] is None
    nsaid = _finding(out, "IA-vka-nsaid")["id"]
    code, out = _run("decide", "pat-1", nsaid, "--accepted", "--reason", "maagbloeding in 2024", "--intervention", "i3.5",
                     "--prescriber", "H. Jansen (huisarts)", "--date", "2026-11-05", "--store", files["store"])
    assert code == 0 and out == f"{nsaid} (2026-11-01): accepted (A1.1, I3.5); stopped: diclofenac\n"
    code, out = _run("review", files["later"], "-f", "json", "--store", files["store"])
    assert code == 0
    restart = _finding(out, "RECON-restart-after-stop")
    assert "maagbloeding in 2024" in str(restart["rationale"]) and "H. Jansen (huisarts)" in str(restart["rationale"])
    assert restart["id"] in json.loads(out)["new_since_last"]

    code, text = _run("history", "pat-1", "--store", files["store"])
    assert code == 0
    assert "2026-11-01  knowledge" in text and "2027-02-01  knowledge" in text and "new since 2026-11-01" in text
    assert "(STOPP/START v3 + STOPPFall)" in text
    assert "2026-11-05 accepted (A1.1, I3.5) by H. Jansen (huisarts): maagbloeding in 2024" in text
    assert "2026-11-05  diclofenac (M01AB05) by H. Jansen (huisarts): maagbloeding in 2024" in text
    code, out = _run("history", "pat-1", "--format", "json", "--store", files["store"])
    data = json.loads(out)
    assert code == 0 and [r["review_date"] for r in data["reviews"]] == ["2026-11-01", "2027-02-01"]
    assert data["stops"][0]["atc"] == "M01AB05" and len(data["patient"]) == 64
    assert data["reviews"][0]["knowledge"]["criteria"]["set"] == "STOPP/START v3 + STOPPFall"


def test_store_from_the_environment_and_patient_key(files: dict[str, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MBO_STORE", str(tmp_path / "env.sqlite"))
    nameless = tmp_path / "nameless.yaml"
    nameless.write_text(yaml.safe_dump(_patient("2026-11-01", pid=None)), encoding="utf-8")
    code, out = _run("review", nameless, "--store")
    assert code == 2 and out.count("\n") == 1 and "give a patient key (--patient-key)" in out
    code, _ = _run("review", nameless, "--store", "--patient-key", "kamer-12", "-f", "json")
    assert code == 0 and (tmp_path / "env.sqlite").is_file()
    code, out = _run("history", "kamer-12")
    assert code == 0 and "2026-11-01" in out


@pytest.mark.parametrize(("args", "message"), [
    (["decide", "nobody", "F1", "--accepted", "--reason", "x"], "PATIENT: no review recorded for this patient"),
    (["decide", "pat-1", "F99", "--accepted", "--reason", "x"], "FINDING-ID: no finding 'F99'"),
    (["decide", "pat-1", "F1", "--accepted", "--reason", "x", "--intervention", "X1.3"], "no PCNE V9.1 intervention code"),
    (["decide", "pat-1", "F1", "--not-accepted", "--reason", "x", "--acceptance", "A1.1"], "does not fit a decision"),
    (["decide", "pat-1", "F1", "--accepted", "--reason", "x", "--acceptance", "A12"], "no PCNE V9.1 acceptance code"),
    (["decide", "pat-1", "F1", "--reason", "x"], "--accepted|--not-accepted|--adapted: say what was decided"),
    (["decide", "pat-1", "F1", "--accepted"], "--reason: a decision needs its reason"),
    (["history", "nobody"], "PATIENT: no review recorded for this patient"),
])
def test_bad_input_is_one_line_and_exit_2(files: dict[str, Path], args: list[str], message: str) -> None:
    assert _run("review", files["first"], "-f", "json", "--store", files["store"])[0] == 0
    code, out = _run(*args, "--store", files["store"])
    assert code == 2 and out.count("\n") == 1 and out.startswith("mbo: invalid input: ") and message in out, out


def test_no_store_yet_is_one_line(tmp_path: Path) -> None:
    code, out = _run("history", "pat-1", "--store", tmp_path / "none.sqlite")
    assert code == 2 and out.count("\n") == 1 and "no review memory here" in out
    assert not (tmp_path / "none.sqlite").exists()


def test_help_has_examples() -> None:
    for args in (["decide", "--help"], ["history", "--help"]):
        code, out = _run(*args)
        assert code == 0 and "Example" in out
