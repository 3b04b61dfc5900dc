"""The review memory (mbo.Store): what a new review learns from the last one, and a store that survives."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import mbo
import mbo._store as store_module
from mbo import InputError, Knowledge, Store

from _helpers import native

HERE = Path(__file__).resolve().parent

_MEDS: list[dict[str, object]] = [
    {"name": "Sintrom mitis 1 mg", "dose": "volgens schema trombosedienst", "prescriber": "card", "start": "2019-04-10"},
    {"name": "Diclofenac 50 mg", "dose": "3 dd 1", "prescriber": "orth", "start": "2026-09-01"},
    {"name": "Simvastatine 40 mg", "dose": "1 dd 1", "prescriber": "card", "start": "2019-04-10"},
    {"name": "Amlodipine 10 mg", "dose": "1 dd 1", "prescriber": "card", "start": "2023-03-01"},
]
_PRESCRIBERS = [{"id": "card", "name": "M. de Boer", "specialty": "cardioloog"},
                {"id": "orth", "name": "T. Bos", "specialty": "orthopedisch chirurg"}]


def _patient(review_date: str, meds: list[dict[str, object]] = _MEDS, pid: str | None = "pat-1") -> dict[str, Any]:
    data = native(meds, review_date=review_date, prescribers=_PRESCRIBERS,
                  conditions=[{"text": "atriumfibrilleren", "code": "I48.9", "system": "icd10"},
                              {"text": "gonartrose", "code": "M17.9", "system": "icd10"}])
    if pid:
        data["patient"] = {**data["patient"], "id": pid}  # type: ignore[dict-item]
    return data


def _id(review: mbo.Review, rule: str) -> str:
    return next(f.id for f in review.findings if f.rule == rule)


def _rules(review: mbo.Review, rule: str) -> list[mbo.Finding]:
    return [f for f in review.findings if f.rule == rule]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "mem" / "reviews.sqlite"


# -- what a new review reports ---------------------------------------------------------------------------


def test_restart_after_a_stop_recorded_by_a_decision(kb: Knowledge, path: Path) -> None:
    first = mbo.review(_patient("2026-11-01"), knowledge=kb, store=path)
    with Store(path) as store:
        done = store.decide("pat-1", _id(first, "IA-vka-nsaid"), "accepted", reason="maagbloeding in 2024",
                            intervention="I3.5", prescriber="H. Jansen (huisarts)", on=date(2026, 11, 5))
    assert done["acceptance"] == "A1.1" and done["stopped"] == ["diclofenac"]
    back = [*_MEDS[:1], {"name": "Diclofenac 50 mg", "dose": "2 dd 1", "prescriber": "orth", "start": "2027-01-10"}, *_MEDS[2:]]
    second = mbo.review(_patient("2027-02-01", back), knowledge=kb, store=path)
    [restart] = _rules(second, "RECON-restart-after-stop")
    assert restart.severity == "high" and restart.atc == ["M01AB05"]
    for fact in ("maagbloeding in 2024", "05-11-2026", "H. Jansen (huisarts)", "opnieuw voorgeschreven op 10-01-2027",
                 "orthopedisch chirurg (T. Bos)", "reviewgeheugen"):
        assert fact in restart.rationale, fact
    assert restart.id in second.new_since_last and second.previous_review == date(2026, 11, 1)
    assert not [f for f in _rules(second, "RECON-still-open") if "IA-vka-nsaid" in f.also]  # the restart says it


def test_a_stop_that_never_reached_the_list_is_found_too(kb: Knowledge, path: Path) -> None:
    first = mbo.review(_patient("2026-11-01"), knowledge=kb, store=path)
    with Store(path) as store:
        store.decide("pat-1", _id(first, "IA-vka-nsaid"), "accepted", reason="bloedingsrisico", on=date(2026, 11, 5))
    [restart] = _rules(mbo.review(_patient("2027-02-01"), knowledge=kb, store=path), "RECON-restart-after-stop")
    assert restart.severity == "high" and "de stop is niet op deze lijst doorgevoerd" in restart.rationale


def test_the_same_scenario_from_one_fhir_bundle_needs_no_store(kb: Knowledge) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "timestamp": "2027-02-01T09:00:00Z", "entry": [
        {"resource": r} for r in (
            {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1942-03-14"},
            {"resourceType": "MedicationStatement", "status": "stopped", "statusReason": [{"text": "maagbloeding in 2024"}],
             "medicationCodeableConcept": {"text": "Diclofenac 50 mg"},
             "effectivePeriod": {"start": "2026-09-01", "end": "2026-11-05"}},
            {"resourceType": "MedicationRequest", "status": "active", "medicationCodeableConcept": {"text": "Diclofenac 50 mg"},
             "authoredOn": "2027-01-10"})]}
    [restart] = _rules(mbo.review(bundle, knowledge=kb), "RECON-restart-after-stop")
    assert restart.atc == ["M01AB05"] and "maagbloeding in 2024" in restart.rationale


def test_still_open_and_new_since_last(kb: Knowledge, path: Path) -> None:
    first = mbo.review(_patient("2026-11-01"), knowledge=kb, store=path)
    assert first.previous_review is None and first.new_since_last == [] and not _rules(first, "RECON-still-open")
    statin, nsaid = _id(first, "IA-simvastatin-amlodipine-dose"), _id(first, "IA-vka-nsaid")
    with Store(path) as store:
        store.decide("pat-1", statin, "accepted", acceptance="A1.3", reason="dosis verlagen afgesproken")
        store.decide("pat-1", nsaid, "not-accepted", reason="kortdurend, met PPI", acceptance="A2.2")
    second = mbo.review(_patient("2027-02-01"), knowledge=kb, store=path)
    still = {f.also[0]: f for f in _rules(second, "RECON-still-open")}
    assert still["IA-simvastatin-amlodipine-dose"].severity == "moderate"  # accepted, yet still there
    assert "dosis verlagen afgesproken" in still["IA-simvastatin-amlodipine-dose"].rationale
    assert "IA-vka-nsaid" not in still  # deliberately not accepted: closed
    assert set(still) == {"IA-simvastatin-amlodipine-dose"}  # undecided problems get no second finding ...
    undecided = [f for f in second.findings if "nog geen besluit vastgelegd" in f.rationale]
    assert undecided and all(f.rule not in ("IA-simvastatin-amlodipine-dose", "IA-vka-nsaid") for f in undecided)
    assert all("01-11-2026" in f.rationale for f in undecided)  # ... their own finding says since when
    # the same list; new is only what time made of it: the NSAID is now used longer than three months
    assert [f.rule for f in second.findings if f.id in second.new_since_last] == ["STOPP-H3"]
    # a third review with a new medicine: only its findings are new; decisions carry over to the same problem
    third = mbo.review(_patient("2027-05-01", [*_MEDS, {"name": "Temazepam 10 mg", "dose": "1 dd 1", "start": "2027-01-01"}]),
                       knowledge=kb, store=path)
    new = {f.rule for f in third.findings if f.id in third.new_since_last}
    assert new and all("N05CD07" in f.atc for f in third.findings if f.id in third.new_since_last), new
    assert not [f for f in _rules(third, "RECON-still-open") if "IA-vka-nsaid" in f.also]


def test_a_decision_on_the_still_open_finding_closes_the_problem(kb: Knowledge, path: Path) -> None:
    first = mbo.review(_patient("2026-11-01"), knowledge=kb, store=path)
    with Store(path) as store:
        store.decide("pat-1", _id(first, "IA-simvastatin-amlodipine-dose"), "accepted", acceptance="A1.3", reason="afgesproken")
    second = mbo.review(_patient("2027-02-01"), knowledge=kb, store=path)
    [open_] = [f for f in _rules(second, "RECON-still-open") if "IA-simvastatin-amlodipine-dose" in f.also]
    with Store(path) as store:
        store.decide("pat-1", open_.id, "adapted", reason="simvastatine 20 mg is voldoende", intervention="I3.2")
    third = mbo.review(_patient("2027-05-01"), knowledge=kb, store=path)
    assert not [f for f in _rules(third, "RECON-still-open") if "IA-simvastatin-amlodipine-dose" in f.also]


def test_several_lists_with_a_store_compare_only_the_lists(kb: Knowledge, path: Path, tmp_path: Path) -> None:
    (tmp_path / "gp.yaml").write_text("patient: {id: pat-2, birth_date: 1942-03-14, sex: female}\nreview_date: 2026-11-01\n"
                                      "medications:\n  - {name: Diclofenac 50 mg, start: 2026-09-01}\n"
                                      "  - {name: Amlodipine 10 mg, start: 2023-03-01}\n", encoding="utf-8")
    (tmp_path / "zh.yaml").write_text("patient: {id: pat-2, birth_date: 1942-03-14, sex: female}\nreview_date: 2026-11-01\n"
                                      "medications:\n  - {name: Diclofenac 50 mg, start: 2026-09-01}\n", encoding="utf-8")
    lists = [f"huisarts={tmp_path / 'gp.yaml'}", f"ziekenhuis={tmp_path / 'zh.yaml'}"]
    first = mbo.review(lists, knowledge=kb, store=path)
    with Store(path) as store:
        store.decide("pat-2", _id(first, "STOPP-E4") if _rules(first, "STOPP-E4") else first.findings[0].id, "accepted",
                     reason="gestopt", stopped=["M01AB05"], on=date(2026, 11, 2))
    later = mbo.review(lists, knowledge=kb, review_date=date(2027, 1, 1), store=path)
    without = mbo.review(lists, knowledge=kb, review_date=date(2027, 1, 1))
    assert [f.atc for f in _rules(later, "RECON-missing-from-source")] == [f.atc for f in _rules(without, "RECON-missing-from-source")]
    assert _rules(later, "RECON-restart-after-stop") and [m.id for m in later.medications] == [m.id for m in without.medications]


# -- keys, privacy, errors ----------------------------------------------------------------------------------


def test_no_patient_id_needs_an_explicit_key(kb: Knowledge, path: Path) -> None:
    with pytest.raises(InputError, match="--patient-key"):
        mbo.review(_patient("2026-11-01", pid=None), knowledge=kb, store=path)
    mbo.review(_patient("2026-11-01", pid=None), knowledge=kb, store=path, patient_key="kamer-12")
    with Store(path) as store:
        assert len(store.history("kamer-12")["reviews"]) == 1
    with pytest.raises(InputError, match="store"):
        mbo.review(_patient("2026-11-01"), knowledge=kb, patient_key="kamer-12")


def test_the_store_holds_no_patient_id_or_file_name(kb: Knowledge, path: Path, tmp_path: Path) -> None:
    import yaml

    named = tmp_path / "jansen-bsn-123456782.yaml"
    named.write_text(yaml.safe_dump(_patient("2026-11-01", pid="bsn-123456782")), encoding="utf-8")
    mbo.review(str(named), knowledge=kb, store=path)
    with Store(path) as store:
        key = store.patient_key("bsn-123456782")
        assert len(key) == 64 and store.history("bsn-123456782")["patient"] == key
    raw = b"".join(p.read_bytes() for p in path.parent.iterdir())
    assert b"123456782" not in raw and b"jansen" not in raw
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_an_external_key_must_stay_the_same(kb: Knowledge, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Store(path, key="geheim").close()
    with Store(path, key="geheim") as store:
        assert store.patient_key("p") != Store(path.with_name("other.sqlite")).patient_key("p")
    monkeypatch.delenv("MBO_STORE_KEY", raising=False)
    with pytest.raises(InputError, match=r"MBO_STORE_KEY: this store was made with an external key"):
        Store(path)
    with pytest.raises(InputError, match="the key differs"):
        Store(path, key="anders")


def test_decide_checks_its_input(kb: Knowledge, path: Path) -> None:
    first = mbo.review(_patient("2026-11-01"), knowledge=kb, store=path)
    fid = first.findings[0].id
    with Store(path) as store:
        for kwargs, message in [
            ({"patient": "nobody", "finding": fid, "decision": "accepted"}, "PATIENT: no review recorded"),
            ({"patient": "pat-1", "finding": "F99", "decision": "accepted"}, "FINDING-ID: no finding 'F99'"),
            ({"patient": "pat-1", "finding": fid, "decision": "accepted", "acceptance": "A9.1"}, "no PCNE V9.1 acceptance"),
            ({"patient": "pat-1", "finding": fid, "decision": "accepted", "acceptance": "A2.1"}, "does not fit"),
            ({"patient": "pat-1", "finding": fid, "decision": "accepted", "intervention": "I3.7"}, "no PCNE V9.1 intervention"),
            ({"patient": "pat-1", "finding": fid, "decision": "maybe"}, "use accepted, not-accepted or adapted"),
            ({"patient": "pat-1", "finding": fid, "decision": "accepted", "stopped": ["paracetamol"]}, "not on the medication list"),
        ]:
            with pytest.raises(InputError, match=message):
                store.decide(reason="x", **kwargs)
        with pytest.raises(InputError, match="needs its reason"):
            store.decide("pat-1", fid, "accepted", reason="  ")
        assert store.history("pat-1")["reviews"][0]["findings"][0]["decisions"] == []


def test_default_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MBO_STORE", str(tmp_path / "a.sqlite"))
    assert store_module.default_store_path() == tmp_path / "a.sqlite"
    monkeypatch.delenv("MBO_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert store_module.default_store_path() == tmp_path / "data" / "mbo" / "reviews.sqlite"


def test_not_a_store(tmp_path: Path) -> None:
    bad = tmp_path / "x.sqlite"
    bad.write_bytes(b"this is no database" * 100)
    with pytest.raises(InputError, match="not a usable review store"):
        Store(bad)


# -- schema and migrations -----------------------------------------------------------------------------------


def test_a_version_1_store_is_migrated_and_keeps_its_records(kb: Knowledge, path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as m:  # an mbo that knew only the first schema
        m.setattr(store_module, "_MIGRATIONS", store_module._MIGRATIONS[:1])
        m.setattr(store_module, "SCHEMA_VERSION", 1)
        first = mbo.review(_patient("2026-11-01"), knowledge=kb, store=path)
        with Store(path) as old:
            assert old.schema_version == 1
            old.decide("pat-1", _id(first, "IA-vka-nsaid"), "accepted", reason="gestopt", on=date(2026, 11, 5))
    db = sqlite3.connect(path)
    assert not db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'review_by_patient'").fetchall()
    db.close()
    with Store(path) as store:
        assert store.schema_version == store_module.SCHEMA_VERSION == 2
        assert store.history("pat-1")["stops"][0]["reason"] == "gestopt"
    db = sqlite3.connect(path)
    plan = " ".join(str(r) for r in db.execute("EXPLAIN QUERY PLAN SELECT id FROM review WHERE patient = 'x'"))
    db.close()
    assert "review_by_patient" in plan
    assert _rules(mbo.review(_patient("2027-02-01"), knowledge=kb, store=path), "RECON-restart-after-stop")


def test_a_review_recorded_before_the_criteria_were_stamped_reads_as_unknown(kb: Knowledge, path: Path) -> None:
    mbo.review(_patient("2026-11-01"), knowledge=kb, store=path)
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE review SET document = json_remove(document, '$.knowledge.criteria')")
    db.close()
    with Store(path) as store:
        [kept] = store.history("pat-1")["reviews"]
    assert kept["knowledge"] == {"version": kb.version, "hash": kb.hash, "criteria": None}


def test_a_store_from_a_newer_mbo_is_refused(path: Path) -> None:
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(InputError, match="schema version 99 is newer"):
        Store(path)


# -- two processes, and a process killed half-way --------------------------------------------------------------

_WRITER = """
import pathlib, sys, time
from datetime import date
from mbo import Review, Store
path, review_file, tag, n, go = sys.argv[1:6]
review = Review.model_validate_json(pathlib.Path(review_file).read_text(encoding="utf-8"))
print("ready", flush=True)
while not pathlib.Path(go).exists():
    time.sleep(0.002)
with Store(path) as store:
    for i in range(int(n)):
        store.record(review, f"{tag}-{i}")
        store.decide(f"{tag}-{i}", "F1", "accepted", reason=f"{tag} {i}", intervention="I1.3", on=date(2026, 11, 2))
        store.record(review, "shared")
"""

_KILLED = """
import pathlib, sys, time
import mbo._store as store_module
from mbo import Review, Store
path, review_file = sys.argv[1:3]
review = Review.model_validate_json(pathlib.Path(review_file).read_text(encoding="utf-8"))
real = store_module._insert_findings
def halfway(db, number, r):
    real(db, number, r.model_copy(update={"findings": r.findings[:2]}))
    print("halfway", flush=True)
    time.sleep(60)
store_module._insert_findings = halfway
Store(path).record(review, "pat-1")
"""


def _child(script: str, *args: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)], stdout=subprocess.PIPE, text=True, env=env)


def _example_review(kb: Knowledge, tmp_path: Path) -> tuple[mbo.Review, Path]:
    review = mbo.review(_patient("2026-11-01"), knowledge=kb)
    file = tmp_path / "review.json"
    file.write_text(review.to_json(), encoding="utf-8")
    return review, file


def test_two_processes_writing_at_once_lose_nothing(kb: Knowledge, path: Path, tmp_path: Path) -> None:
    review, file = _example_review(kb, tmp_path)
    n, go = 12, tmp_path / "go"
    children = [_child(_WRITER, path, file, tag, n, go) for tag in ("a", "b")]
    for c in children:
        assert c.stdout is not None and c.stdout.readline().strip() == "ready"
    go.touch()  # both open the new store and write at the same moment
    for c in children:
        assert c.wait(timeout=60) == 0
    db = sqlite3.connect(path)
    count = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("review", "finding", "decision", "stop")}
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
    assert count == {"review": 4 * n, "finding": 4 * n * len(review.findings), "decision": 2 * n, "stop": 2 * n}
    with Store(path) as store:
        assert len(store.history("shared")["reviews"]) == 2 * n
        for tag in ("a", "b"):
            for i in range(n):
                [r] = store.history(f"{tag}-{i}")["reviews"]
                assert r["findings"][0]["decisions"][0]["reason"] == f"{tag} {i}"


def test_a_process_killed_half_way_leaves_the_last_review_intact(kb: Knowledge, path: Path, tmp_path: Path) -> None:
    review, file = _example_review(kb, tmp_path)
    with Store(path) as store:
        store.record(review, "pat-1")
    child = _child(_KILLED, path, file)
    assert child.stdout is not None and child.stdout.readline().strip() == "halfway"
    with Store(path) as reader:  # a reader is not held up by the writer in the middle of its transaction
        assert len(reader.history("pat-1")["reviews"]) == 1
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM review").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM finding").fetchone()[0] == len(review.findings)
    db.close()
    with Store(path) as store:
        [kept] = store.history("pat-1")["reviews"]
        assert [f["id"] for f in kept["findings"]] == [f.id for f in review.findings]
        started = time.monotonic()
        store.record(review, "pat-1")  # usable at once: the killed writer's lock is gone
        assert time.monotonic() - started < 5 and len(store.history("pat-1")["reviews"]) == 2
