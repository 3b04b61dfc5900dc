"""The review memory: one SQLite file with every review, the decisions on its findings and the medicines stopped.

Safe to share between processes: WAL journal, a busy timeout, one transaction per review and per decision
(a process killed half-way leaves the last committed review as it was). The schema version is SQLite's
`user_version`; `_MIGRATIONS` brings an older file up to date in one transaction.

Patients are kept under a pseudonymous key: HMAC-SHA256 of the patient id (or of an explicit patient key)
with a secret kept in the store, or given by $MBO_STORE_KEY. The store holds no patient id, name or file name.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from ._errors import InputError
from ._knowledge import Knowledge
from ._memory import (ACCEPTANCE, DECISION_GROUP, DEFAULT_ACCEPTANCE, INTERVENTION, STOP_INTERVENTION, StoredStop,
                      previous_review, with_memory)
from ._patient import Patient, PriorDecision, PriorFinding, PriorReview
from ._review import Review

__all__ = ["Store", "default_store_path", "remember"]

_BUSY_MS = 30_000
_KEY_CHECK = b"mbo review memory key check"

# Each migration brings the schema from its index to index + 1; append, never edit a published one.
_MIGRATIONS: tuple[str, ...] = (
    # 1: reviews, their findings, decisions on findings, medicines stopped
    """
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE review (
        id INTEGER PRIMARY KEY,
        patient TEXT NOT NULL,
        review_date TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        knowledge_version TEXT NOT NULL,
        knowledge_hash TEXT NOT NULL,
        document TEXT NOT NULL
    );
    CREATE TABLE finding (
        review_id INTEGER NOT NULL REFERENCES review(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        severity TEXT NOT NULL,
        rule TEXT NOT NULL,
        also TEXT NOT NULL,
        atc TEXT NOT NULL,
        suggest TEXT NOT NULL,
        title TEXT NOT NULL,
        pcne TEXT NOT NULL,
        PRIMARY KEY (review_id, id)
    );
    CREATE TABLE decision (
        id INTEGER PRIMARY KEY,
        review_id INTEGER NOT NULL,
        finding_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('accepted', 'not-accepted', 'adapted')),
        acceptance TEXT NOT NULL,
        intervention TEXT,
        reason TEXT NOT NULL,
        prescriber TEXT,
        decided_on TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        FOREIGN KEY (review_id, finding_id) REFERENCES finding(review_id, id) ON DELETE CASCADE
    );
    CREATE TABLE stop (
        id INTEGER PRIMARY KEY,
        patient TEXT NOT NULL,
        decision_id INTEGER NOT NULL REFERENCES decision(id) ON DELETE CASCADE,
        medication TEXT NOT NULL,
        atc TEXT,
        components TEXT NOT NULL,
        name TEXT NOT NULL,
        reason TEXT NOT NULL,
        stopped_by TEXT,
        stopped_on TEXT NOT NULL
    );
    """,
    # 2: every read is per patient (history, memory, decide): index the patient key
    """
    CREATE INDEX review_by_patient ON review (patient, review_date, id);
    CREATE INDEX stop_by_patient ON stop (patient, stopped_on);
    CREATE INDEX decision_by_finding ON decision (review_id, finding_id);
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)


def default_store_path() -> Path:
    """$MBO_STORE, else $XDG_DATA_HOME/mbo/reviews.sqlite, else ~/.local/share/mbo/reviews.sqlite."""
    if os.environ.get("MBO_STORE"):
        return Path(os.environ["MBO_STORE"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "mbo" / "reviews.sqlite"


class Store:
    """The review memory: reviews, decisions on their findings (PCNE V9.1 codes) and medicines stopped.

    `path` defaults to `default_store_path()`; `key` (else $MBO_STORE_KEY, else a secret made with the store)
    keys the pseudonymous patient keys. Methods that take `patient` take the patient id, or the explicit
    patient key given when the review was recorded; the store keeps only its keyed hash.

        >>> with Store("reviews.sqlite") as store:                       # doctest: +SKIP
        ...     r = mbo.review("patient.json", store=store)
        ...     store.decide("pat-1", "F2", "accepted", reason="NSAID gestopt", intervention="I3.5")

    Raises InputError for an unknown patient or finding, a malformed PCNE code, or a store that cannot be used.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, key: str | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self._where = str(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fresh = not self.path.exists()
            self._db = sqlite3.connect(self.path, timeout=_BUSY_MS / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as err:
            raise InputError(self._where, "(store)", f"cannot open: {err}") from None
        if fresh:
            try:
                os.chmod(self.path, 0o600)
            except OSError:
                pass
        try:
            self._db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            self._wal()
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
            self._secret = self._key(key if key is not None else os.environ.get("MBO_STORE_KEY"))
        except sqlite3.DatabaseError as err:
            self._db.close()
            raise InputError(self._where, "(store)", f"not a usable review store: {err}") from None
        except InputError:
            self._db.close()
            raise

    # -- opening --------------------------------------------------------------------------------------

    def _wal(self) -> None:
        """WAL lets readers and one writer work at once; switching needs a moment alone with the file."""
        deadline = time.monotonic() + _BUSY_MS / 1000
        while True:
            try:
                self._db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _migrate(self) -> None:
        if self.schema_version == SCHEMA_VERSION:
            return  # up to date: opening takes no write lock
        with self._transaction():
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise InputError(self._where, "(store)", f"schema version {version} is newer than this mbo knows "
                                 f"({SCHEMA_VERSION}): upgrade mbo")
            for number in range(version, SCHEMA_VERSION):
                for statement in _statements(_MIGRATIONS[number]):
                    self._db.execute(statement)
            if version < SCHEMA_VERSION:
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _key(self, given: str | None) -> bytes:
        meta = dict(self._db.execute("SELECT name, value FROM meta").fetchall())
        if "key_check" not in meta:
            with self._transaction():
                meta = dict(self._db.execute("SELECT name, value FROM meta").fetchall())
                if "key_check" not in meta:  # a new store: keep a secret unless the key is given from outside
                    secret = given.encode() if given else secrets.token_bytes(32)
                    self._db.execute("INSERT INTO meta VALUES ('key_check', ?)", (_check(secret),))
                    if not given:
                        self._db.execute("INSERT INTO meta VALUES ('secret', ?)", (secret.hex(),))
                    return secret
        secret = given.encode() if given else bytes.fromhex(meta["secret"]) if "secret" in meta else b""
        if not secret:
            raise InputError(self._where, "MBO_STORE_KEY", "this store was made with an external key: set $MBO_STORE_KEY")
        if not hmac.compare_digest(_check(secret), meta["key_check"]):
            raise InputError(self._where, "MBO_STORE_KEY", "the key differs from the one this store was made with")
        return secret

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so that two writers queue instead of failing."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query inside sees the same committed state."""
        self._db.execute("BEGIN")
        try:
            yield self._db
        finally:
            self._db.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        """The schema version of the file (SQLite `user_version`)."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- patients -------------------------------------------------------------------------------------

    def patient_key(self, patient: str) -> str:
        """The pseudonymous key the store files this patient id (or explicit patient key) under."""
        if not patient or not patient.strip():
            raise InputError(self._where, "PATIENT", "an empty patient id or key")
        return hmac.new(self._secret, patient.strip().encode(), hashlib.sha256).hexdigest()

    # -- writing --------------------------------------------------------------------------------------

    def record(self, review: Review, patient: str) -> int:
        """Record a review of this patient in one transaction; returns its number in the store.

        The stored copy holds no patient id and no file name: only the pseudonymous key.
        """
        key = self.patient_key(patient)
        kept = _scrubbed(review)
        with self._transaction() as db:
            cur = db.execute("INSERT INTO review (patient, review_date, recorded_at, knowledge_version, knowledge_hash,"
                             " document) VALUES (?, ?, ?, ?, ?, ?)",
                             (key, review.review_date.isoformat(), _now(), review.knowledge.version,
                              review.knowledge.hash, kept.model_dump_json()))
            number = int(cur.lastrowid or 0)
            _insert_findings(db, number, kept)
        return number

    def decide(self, patient: str, finding: str, decision: str, *, reason: str, acceptance: str | None = None,
               intervention: str | None = None, prescriber: str | None = None, stopped: Sequence[str] = (),
               on: date | None = None, review_date: date | None = None) -> dict[str, Any]:
        """Record the decision on one finding of the patient's latest review (or the review of `review_date`).

        `decision` is "accepted", "not-accepted" or "adapted"; `acceptance` a PCNE V9.1 acceptance code of
        that kind (A1.x, A2.x, A1.x; default A1.1, A2.2, A1.2; A3.x, "other", fits each); `intervention` a PCNE intervention code (I0.1 … I4.2). Medicines
        stop when named in `stopped` (ATC code, name or list id), or when a stop advice is accepted and carried
        out (A1.1) or the intervention is I3.5: those the finding asks to stop. Returns the decision recorded.
        """
        if decision not in DECISION_GROUP:
            raise InputError(self._where, "decision", f"{decision!r}: use accepted, not-accepted or adapted")
        reason = " ".join((reason or "").split())
        if not reason:
            raise InputError(self._where, "--reason", "a decision needs its reason")
        code = (acceptance or DEFAULT_ACCEPTANCE[decision]).strip().upper()
        if code not in ACCEPTANCE:
            raise InputError(self._where, "--acceptance", f"{code!r} is no PCNE V9.1 acceptance code (A1.1–A1.4, "
                             "A2.1–A2.4, A3.1–A3.2)")
        if not code.startswith(DECISION_GROUP[decision]) and not code.startswith("A3."):
            raise InputError(self._where, "--acceptance", f"{code} does not fit a decision {decision!r}")
        action = intervention.strip().upper() if intervention else None
        if action is not None and action not in INTERVENTION:
            raise InputError(self._where, "--intervention", f"{action!r} is no PCNE V9.1 intervention code (I0.1, "
                             "I1.1–I1.4, I2.1–I2.4, I3.1–I3.6, I4.1–I4.2)")
        if stopped and decision == "not-accepted":
            raise InputError(self._where, "--stopped", "a decision not accepted stops nothing")
        key = self.patient_key(patient)
        when = on or date.today()
        with self._transaction() as db:
            row = self._review_row(key, review_date)
            number, doc = row[0], json.loads(row[2])
            target = next((f for f in doc.get("findings", []) if f["id"] == finding.strip().upper()), None)
            if target is None:
                raise InputError(self._where, "FINDING-ID", f"no finding {finding!r} in the review of {row[1]}")
            stops = _stops(self._where, doc.get("medications", []), target, decision, code, action, stopped)
            cur = db.execute("INSERT INTO decision (review_id, finding_id, decision, acceptance, intervention, reason,"
                             " prescriber, decided_on, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (number, target["id"], decision, code, action, reason, prescriber, when.isoformat(), _now()))
            for entry in stops:
                db.execute("INSERT INTO stop (patient, decision_id, medication, atc, components, name, reason, stopped_by,"
                           " stopped_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (key, cur.lastrowid, entry[0], entry[1], json.dumps(entry[2]), entry[3], reason, prescriber,
                            when.isoformat()))
        return {"review": number, "review_date": row[1], "finding": target["id"], "title": target["title"],
                "decision": decision, "acceptance": code, "intervention": action, "reason": reason,
                "prescriber": prescriber, "on": when.isoformat(), "stopped": [e[3] for e in stops]}

    def _review_row(self, key: str, review_date: date | None) -> tuple[int, str, str]:
        sql = "SELECT id, review_date, document FROM review WHERE patient = ?"
        args: tuple[object, ...] = (key,)
        if review_date is not None:
            sql, args = sql + " AND review_date = ?", (key, review_date.isoformat())
        row = self._db.execute(sql + " ORDER BY review_date DESC, id DESC LIMIT 1", args).fetchone()
        if row is None:
            raise InputError(self._where, "PATIENT", "no review recorded for this patient" +
                             (f" on {review_date}" if review_date else ""))
        return row

    # -- reading --------------------------------------------------------------------------------------

    def memory(self, patient: str, before: date, kb: Knowledge | None = None) -> tuple[list[StoredStop], PriorReview | None]:
        """What the memory knows of this patient before `before`: the stops decided, and the previous review."""
        key = self.patient_key(patient)
        ignore = {r.id for r in kb.reconciliation if r.check == "still-open"} if kb is not None else set()
        with self._snapshot():
            reviews = self._db.execute("SELECT id, review_date, knowledge_version FROM review WHERE patient = ? AND "
                                       "review_date < ? ORDER BY review_date, id", (key, before.isoformat())).fetchall()
            ids = [r[0] for r in reviews]
            findings = self._findings(ids)
            decisions = self._decisions(ids)
            stops = self._db.execute(
                "SELECT s.medication, s.atc, s.components, s.name, s.reason, s.stopped_by, s.stopped_on FROM stop s "
                "JOIN decision d ON d.id = s.decision_id JOIN review r ON r.id = d.review_id "
                "WHERE s.patient = ? AND r.review_date < ? ORDER BY s.stopped_on, s.id", (key, before.isoformat())).fetchall()
            stopped_by_decision = self._stopping_decisions(ids)
        prior = []
        for number, day, version in reviews:
            items = []
            for f in findings.get(number, []):
                d = decisions.get((number, f["id"]))
                items.append(PriorFinding(
                    id=f["id"], rule=f["rule"], also=tuple(f["also"]), atc=tuple(f["atc"]), suggest=tuple(f["suggest"]),
                    title=f["title"], severity=f["severity"],
                    decision=None if d is None else PriorDecision(
                        decision=d["decision"], acceptance=d["acceptance"], intervention=d["intervention"],
                        reason=d["reason"], by=d["prescriber"], on=date.fromisoformat(d["decided_on"]),
                        stopped=d["id"] in stopped_by_decision)))
            prior.append(PriorReview(review_date=date.fromisoformat(day), knowledge_version=version, findings=tuple(items)))
        return ([StoredStop(key=s[0], atc=s[1], components=tuple(json.loads(s[2])), name=s[3], reason=s[4], by=s[5],
                            on=date.fromisoformat(s[6])) for s in stops], previous_review(prior, ignore))

    def history(self, patient: str) -> dict[str, Any]:
        """Every review of this patient (oldest first) with its findings and the decisions on them, and the stops."""
        with self._snapshot():
            return self._history(self.patient_key(patient))

    def _history(self, key: str) -> dict[str, Any]:
        rows = self._db.execute("SELECT id, review_date, recorded_at, knowledge_version, knowledge_hash, document "
                                "FROM review WHERE patient = ? ORDER BY review_date, id", (key,)).fetchall()
        if not rows:
            raise InputError(self._where, "PATIENT", "no review recorded for this patient")
        decisions: dict[tuple[int, str], list[dict[str, Any]]] = {}
        for d in self._db.execute(
                "SELECT review_id, finding_id, decision, acceptance, intervention, reason, prescriber, decided_on "
                "FROM decision WHERE review_id IN (SELECT id FROM review WHERE patient = ?) ORDER BY decided_on, id",
                (key,)).fetchall():
            decisions.setdefault((d[0], d[1]), []).append(
                {"decision": d[2], "acceptance": d[3], "intervention": d[4], "reason": d[5], "prescriber": d[6],
                 "on": d[7]})
        reviews = []
        for number, day, recorded, version, khash, document in rows:
            doc = json.loads(document)  # as written then: read by key, so that older documents stay readable
            reviews.append({
                "review": number, "review_date": day, "recorded_at": recorded,
                # criteria: null for a review recorded before mbo stamped them
                "knowledge": {"version": version, "hash": khash, "criteria": (doc.get("knowledge") or {}).get("criteria")},
                "previous_review": doc.get("previous_review"), "new_since_last": doc.get("new_since_last", []),
                "findings": [{**{k: f.get(k) for k in ("id", "kind", "severity", "rule", "title", "atc", "pcne")},
                              "decisions": decisions.get((number, f["id"]), [])} for f in doc.get("findings", [])],
                "medications": [{k: m.get(k) for k in ("id", "atc", "name", "status", "prescriber", "action")}
                                for m in doc.get("medications", [])],
            })
        stops = [{"medication": s[0], "atc": s[1], "name": s[2], "reason": s[3], "by": s[4], "on": s[5]}
                 for s in self._db.execute("SELECT medication, atc, name, reason, stopped_by, stopped_on FROM stop "
                                           "WHERE patient = ? ORDER BY stopped_on, id", (key,)).fetchall()]
        return {"patient": key, "reviews": reviews, "stops": stops}

    def _findings(self, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = {}
        for number in ids:
            for row in self._db.execute("SELECT id, rule, also, atc, suggest, title, severity FROM finding "
                                        "WHERE review_id = ? ORDER BY CAST(substr(id, 2) AS INTEGER), id", (number,)):
                out.setdefault(number, []).append({"id": row[0], "rule": row[1], "also": json.loads(row[2]),
                                                   "atc": json.loads(row[3]), "suggest": json.loads(row[4]),
                                                   "title": row[5], "severity": row[6]})
        return out

    def _decisions(self, ids: list[int]) -> dict[tuple[int, str], dict[str, Any]]:
        """The latest decision on each finding of these reviews."""
        out: dict[tuple[int, str], dict[str, Any]] = {}
        for number in ids:
            for row in self._db.execute("SELECT id, finding_id, decision, acceptance, intervention, reason, prescriber, "
                                        "decided_on FROM decision WHERE review_id = ? ORDER BY decided_on, id", (number,)):
                out[(number, row[1])] = dict(zip(("id", "finding_id", "decision", "acceptance", "intervention", "reason",
                                                  "prescriber", "decided_on"), row))
        return out

    def _stopping_decisions(self, ids: list[int]) -> set[int]:
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        return {r[0] for r in self._db.execute(
            f"SELECT DISTINCT s.decision_id FROM stop s JOIN decision d ON d.id = s.decision_id "
            f"WHERE d.review_id IN ({marks})", ids)}


def _scrubbed(review: Review) -> Review:
    """The review without the patient id and the file names (which often name the patient): lists by number.

    The criteria file (a v2 XML) keeps its name, without its folder, beside its sha256.
    """
    paths = [p for p in review.source.split(" + ") if p]
    names: dict[str, str] = {}
    for n, path in enumerate(paths, start=1):
        for form in (path, Path(path).name, Path(path).name.split(".")[0]):
            names.setdefault(form, f"bron {n}")
    pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(form)}(?![\w-])"
                                  for form in sorted(names, key=len, reverse=True))) if names else None

    def text(value: str) -> str:
        return pattern.sub(lambda m: names[m.group(0)], value) if pattern else value

    data = review.model_dump(mode="json")
    data["source"] = ""
    data["patient"]["id"] = None
    criteria = data["knowledge"]["criteria"]
    if criteria["file"]:
        criteria["file"] = Path(criteria["file"]).name  # its folder may name someone; the sha256 names the file
    for m in data["medications"]:
        m["sources"] = [names.get(x, x) for x in m["sources"]]
        m["missing_from"] = [names.get(x, x) for x in m["missing_from"]]
    for f in data["findings"]:
        for field in ("title", "rationale", "recommendation"):
            f[field] = text(f[field])
        f["evidence"] = [text(e) for e in f["evidence"]]
    return Review.model_validate(data)


def _insert_findings(db: sqlite3.Connection, number: int, review: Review) -> None:
    db.executemany("INSERT INTO finding (review_id, id, kind, severity, rule, also, atc, suggest, title, pcne) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [(number, f.id, f.kind, f.severity, f.rule, json.dumps(f.also), json.dumps(sorted(f.atc)),
                     json.dumps(f.suggest), f.title, f.pcne) for f in review.findings])


def _stops(where: str, medications: list[dict[str, Any]], finding: dict[str, Any], decision: str, code: str,
           intervention: str | None, named: Sequence[str]) -> list[tuple[str, str | None, list[str], str]]:
    """The medicines this decision stops, as (key, atc, components, name) from the review's list."""
    from ._reconcile import entry_id

    listed = [m for m in medications if m.get("status") != "proposed"]
    if named:
        chosen = []
        for wanted in named:
            w = wanted.strip().lower()
            entry = next((m for m in listed if m["id"].lower() in (w, f"m-{w}") or (m.get("atc") or "").lower() == w
                          or m["name"].lower() == w or w in (c.lower() for c in m.get("components", []))), None)
            if entry is None:
                raise InputError(where, "--stopped", f"{wanted!r} is not on the medication list of that review")
            chosen.append(entry)
    elif decision == "not-accepted" or not (intervention == STOP_INTERVENTION or (decision == "accepted" and code == "A1.1")):
        return []
    else:
        keys = finding.get("medications", [])
        asked = [k for k in keys if finding.get("actions", {}).get(k) == "stop"]
        if intervention == STOP_INTERVENTION and not asked:
            if len(keys) != 1:
                raise InputError(where, "--stopped", "the finding names several medicines: say which with --stopped")
            asked = list(keys)
        by_id = {m["id"]: m for m in listed}
        chosen = [by_id[entry_id(k)] for k in asked if entry_id(k) in by_id]
    return [(_key(m), m.get("atc"), list(m.get("components", [])), m["name"]) for m in chosen]


def _key(entry: dict[str, Any]) -> str:
    """The medicine key (see Medication.key) of a list entry: its ATC code, else its components."""
    if entry.get("atc"):
        return str(entry["atc"])
    return "+".join(sorted(entry.get("components", []))) or "?" + " ".join(str(entry.get("text", "")).lower().split())


def _check(secret: bytes) -> str:
    return hmac.new(secret, _KEY_CHECK, hashlib.sha256).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def remember(store: Store | str | os.PathLike[str], patient: Patient, patient_key: str | None, kb: Knowledge,
             run: Callable[[Patient], Review]) -> Review:
    """Review `patient` with what the store remembers (`run` does the review), then record the review."""
    ident = patient_key or patient.id
    if not ident:
        raise InputError(patient.source or "(input)", "Patient.id",
                         "no patient id to file the review under: give a patient key (--patient-key)")
    own = not isinstance(store, Store)
    memory = Store(store) if not isinstance(store, Store) else store
    try:
        stops, previous = memory.memory(ident, patient.review_date, kb)
        result = run(with_memory(patient, stops, previous))
        memory.record(result, ident)
        return result
    finally:
        if own:
            memory.close()

