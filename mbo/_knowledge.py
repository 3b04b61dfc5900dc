"""Loading the knowledge base: every YAML file validated, indexed, compiled and hashed once."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from . import _kb_schema as s
from ._errors import KnowledgeError
from ._expr import Expr, ExprCompiler
from ._selectors import Selector, compile_selector, is_atc, selector_key
from ._text import fold, medicine_words

__all__ = ["Knowledge", "load_knowledge", "knowledge_with_hash", "knowledge_stats", "default_paths", "CompiledCriterion",
           "CompiledInteraction", "CompiledRenal", "CompiledCascade", "CompiledIndication"]

M = TypeVar("M", bound=BaseModel)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def default_paths() -> tuple[Path, Path]:
    """The knowledge and cascades folders: the checkout's own, else the installed copies."""
    root = Path(__file__).resolve().parent.parent
    if (root / "knowledge" / "version.yaml").is_file() and (root / "cascades").is_dir():
        return root / "knowledge", root / "cascades"
    package = Path(__file__).resolve().parent
    return package / "_knowledge", package / "_cascades"


@dataclass(frozen=True)
class CompiledCriterion:
    rule: s.Criterion
    when: Expr
    unless: Expr | None
    downgrade: Expr | None


@dataclass(frozen=True)
class CompiledInteraction:
    rule: s.Interaction
    drugs: tuple[Selector, ...]
    when: Expr | None
    unless: Expr | None
    downgrade: Expr | None


@dataclass(frozen=True)
class CompiledRenal:
    rule: s.RenalRule
    drug: Selector
    unless: Expr | None


@dataclass(frozen=True)
class CompiledCascade:
    rule: s.Cascade
    index: Selector
    marker: Selector
    unless: Expr | None


@dataclass(frozen=True)
class CompiledIndication:
    rule: s.Indication
    drug: Selector
    drugs: tuple[Selector, ...]


class Knowledge:
    """The validated knowledge base: vocabulary, concepts and compiled rules."""

    def __init__(self, files: Mapping[str, Any], version: str, content_hash: str) -> None:
        self.version = version
        self.hash = content_hash
        self.aliases: dict[str, str] = {a["old"]: a["new"] for a in files.get("atc_aliases.yaml", [])}
        self.substances = _unique_by(_entries(files, "substances/", s.Substance), "atc", "substance")
        self.groups = _unique_by(_entries(files, "groups/", s.Group), "id", "group")
        self.conditions = _unique_by(_entries(files, "conditions/", s.ConditionConcept), "id", "condition")
        self.labs = _unique_by(_entries(files, "labs.yaml", s.LabTest), "id", "lab test")
        self.effects = _unique_by(_entries(files, "effects.yaml", s.Effect), "id", "effect")
        self.vaccines = _unique_by(_entries(files, "vaccines.yaml", s.Vaccine), "id", "vaccine")
        self.atc_classes: dict[str, s.AtcClass] = _unique_by(_atc_classes(files.get("atc_classes.yaml")), "code", "ATC class")
        self.selection = _selection(files.get("selection.yaml"))
        criteria = _entries(files, "criteria/", s.Criterion)
        interactions = _entries(files, "interactions/", s.Interaction)
        renal = _entries(files, "renal/", s.RenalRule)
        cascades = _entries(files, "cascades:", s.Cascade)
        indications = _entries(files, "indications/", s.Indication)
        burden = _entries(files, "burden/", s.BurdenScale)
        self.reconciliation = _entries(files, "reconciliation/", s.ReconciliationRule)
        rules: list[s._Rule] = [*criteria, *interactions, *renal, *cascades, *indications, *burden, *self.reconciliation]
        self.rules: dict[str, s._Rule] = _unique_by(rules, "id", "rule")
        for gid in self.groups:
            if gid in self.rules or gid in self.conditions:
                raise KnowledgeError(f"group {gid}", "the id is used twice (group and rule or condition)")
        self._check_vocabulary()
        self._check_conditions(self.selection.frailty_conditions, "selection.yaml")
        self._selectors: dict[str, Selector] = {}
        self._keys_for: dict[tuple[tuple[str, ...], int], frozenset[str]] = {}
        self._compiled_keys: frozenset[str] = frozenset()
        self._compiler = ExprCompiler(self.selector, self.selector_names, self.conditions, self.labs, self.vaccines)
        self.criteria = [self._compile_criterion(r) for r in criteria]
        self.interactions = [self._compile_interaction(r) for r in interactions]
        self.renal = [CompiledRenal(r, self.selector(r.drug, r.id), self._opt(r.unless, f"{r.id}.unless")) for r in renal]
        self.cascades = [self._compile_cascade(r) for r in cascades]
        self.indications = [CompiledIndication(r, self.selector(r.drug, r.id), tuple(self.selector(d, r.id) for d in r.drugs))
                            for r in indications]
        for r in indications:
            self._check_conditions(r.conditions + r.justified_by, r.id)
        self.burden = burden
        for scale in burden:
            for atc in scale.scores:
                if not is_atc(atc) or len(atc) != 7:
                    raise KnowledgeError(scale.id, f"score for {atc!r}: scores are given per ATC substance (7 characters)")
        for rule in rules:
            for other in rule.supersedes:
                if other not in self.rules or other == rule.id:
                    raise KnowledgeError(rule.id, f"supersedes unknown rule {other!r}")

    # -- vocabulary -------------------------------------------------------------------------

    def _check_vocabulary(self) -> None:
        for sub in self.substances.values():
            for comp in sub.components:
                if comp not in self.substances:
                    raise KnowledgeError(f"substance {sub.atc}", f"component {comp} is not a known substance")
        for concept in self.conditions.values():
            self._check_conditions(concept.broader, f"condition {concept.id}")
        _ = self.broader_closure
        _ = self.name_index

    def _check_conditions(self, ids: list[str], where: str) -> None:
        for cid in ids:
            if cid not in self.conditions:
                raise KnowledgeError(where, f"unknown condition {cid!r}; define it in knowledge/conditions/")

    @cached_property
    def name_index(self) -> dict[str, str]:
        """Normalised medicine name → ATC code, from generic names, synonyms and brands."""
        index: dict[str, str] = {}
        conflicts: list[str] = []
        for sub in sorted(self.substances.values(), key=lambda x: x.atc):
            for name in [sub.nl, sub.en, *sub.synonyms, *sub.brands]:
                key = " ".join(medicine_words(name))
                if not key:
                    continue
                if index.setdefault(key, sub.atc) != sub.atc:
                    conflicts.append(f"{name!r} names both {index[key]} and {sub.atc}")
        if conflicts:
            raise KnowledgeError("knowledge/substances", "ambiguous names: " + "; ".join(sorted(set(conflicts))[:10]))
        return index

    @cached_property
    def rxnorm_index(self) -> dict[str, str]:
        """RxNorm ingredient id → ATC code."""
        return {rx: sub.atc for sub in self.substances.values() for rx in sub.rxnorm}

    @cached_property
    def combinations(self) -> dict[frozenset[str], str]:
        """The set of component codes of a combination product → its ATC code."""
        return {frozenset(sub.components): sub.atc for sub in self.substances.values() if sub.components}

    @cached_property
    def broader_closure(self) -> dict[str, frozenset[str]]:
        """Condition id → itself and every concept it implies."""
        closure: dict[str, frozenset[str]] = {}

        def visit(cid: str, path: tuple[str, ...]) -> frozenset[str]:
            if cid in path:
                raise KnowledgeError(f"condition {cid}", "broader concepts form a cycle: " + " -> ".join(path + (cid,)))
            if cid not in closure:
                closure[cid] = frozenset({cid}).union(*(visit(b, path + (cid,)) for b in self.conditions[cid].broader))
            return closure[cid]

        for cid in self.conditions:
            visit(cid, ())
        return closure

    @cached_property
    def _code_index(self) -> dict[tuple[str, str], frozenset[str]]:
        index: dict[tuple[str, str], set[str]] = {}
        for c in self.conditions.values():
            for system, codes in (("icd10", c.icd10), ("icpc", c.icpc), ("snomed", c.snomed)):
                for code in codes:
                    index.setdefault((system, _code(code)), set()).add(c.id)
            for text in [c.nl, c.en, *c.text]:
                index.setdefault(("text", fold(text)), set()).add(c.id)
        return {k: frozenset(v) for k, v in index.items()}

    def condition_concepts(self, system: str | None, code: str | None, text: str | None) -> frozenset[str]:
        """The concepts (with their broader ones) for a coded or written diagnosis."""
        found: set[str] = set()
        if code and system in ("icd10", "icpc"):
            norm = _code(code)
            for k in range(len(norm), 0, -1):
                found |= self._code_index.get((system, norm[:k]), frozenset())
            found = {c for c in found if not any(norm.startswith(_code(x)) for x in self.conditions[c].except_)}
        elif code and system == "snomed":
            found |= self._code_index.get(("snomed", code.strip()), frozenset())
        if not found and text:
            folded = fold(text)
            found |= self._code_index.get(("text", folded), frozenset())
            if not found and "(" in folded:
                found |= self._code_index.get(("text", folded.split("(")[0].strip()), frozenset())
        return frozenset().union(*(self.broader_closure[c] for c in found)) if found else frozenset()

    def vaccines_of(self, system: str | None, code: str | None, text: str | None) -> frozenset[str]:
        """The vaccine ids a coded or written immunization stands for (CVX, ATC, SNOMED CT or text)."""
        found = set()
        for v in self.vaccines.values():
            if code and ((system == "cvx" and code in v.cvx) or (system == "snomed" and code in v.snomed)
                         or (system == "atc" and any(code.startswith(p) for p in v.atc))):
                found.add(v.id)
        if not found and text:
            folded = fold(text)
            found = {v.id for v in self.vaccines.values() for t in [v.nl, v.en, *v.text] if fold(t) in folded}
        return frozenset(found)

    @cached_property
    def loinc_index(self) -> dict[str, str]:
        """LOINC code → lab test id."""
        return {code: lab.id for lab in self.labs.values() for code in lab.loinc}

    def canonical_atc(self, code: str) -> str:
        """The current ATC code for a code the WHO may have renamed."""
        return self.aliases.get(code, code)

    @cached_property
    def _vaccine_by_atc(self) -> dict[str, s.Vaccine]:
        return {code: v for v in self.vaccines.values() for code in v.atc}

    def atc_name(self, code: str, lang: str = "nl") -> str | None:
        """The name of an ATC code: its substance, its vaccine, or its class in atc_classes.yaml; None when unnamed."""
        code = self.canonical_atc(code)
        named = self.substances.get(code) or self._vaccine_by_atc.get(code) or self.atc_classes.get(code)
        return None if named is None else named.en if lang == "en" else named.nl

    def atc_domain(self, code: str, lang: str = "nl") -> str | None:
        """The GP letter's heading for a code: its anatomical main group's `domain`, None when not given."""
        main = self.atc_classes.get(code[:1])
        return main.domain(lang) if main is not None and main.domain is not None else None

    def substance_name(self, atc: str, lang: str = "nl") -> str:
        """The generic name of a substance in the language, or the code itself."""
        sub = self.substances.get(atc)
        return (sub.en if lang == "en" else sub.nl) if sub else atc

    def condition_name(self, cid: str, lang: str = "nl") -> str:
        c = self.conditions[cid]
        return c.en if lang == "en" else c.nl

    # -- selectors and expressions ---------------------------------------------------------

    def selector(self, data: Any, where: str) -> Selector:
        """The compiled selector for selector data, cached by its text; renamed ATC codes are read as the new ones."""
        key = selector_key(data)
        if key not in self._selectors:
            self._selectors[key] = compile_selector(data, self.groups, where, self.aliases)
            self._check_named(data, where)
        return self._selectors[key]

    def _check_named(self, data: Any, where: str) -> None:
        """Every ATC class code (levels 1-4) a rule names must have a name, so that no report shows a bare code."""
        if isinstance(data, list):
            for item in data:
                self._check_named(item, where)
        elif isinstance(data, dict):
            self._check_named(data.get("any", []), where)
            self._check_named(data.get("except") or [], where)
        elif isinstance(data, str) and is_atc(data) and len(data) < 7 and self.atc_name(data) is None:
            raise KnowledgeError(where, f"ATC class {data} has no name; add it to knowledge/atc_classes.yaml")

    def compiled_selector_keys(self) -> frozenset[str]:
        """The keys of every selector compiled so far (remembered until another is compiled)."""
        if len(self._compiled_keys) != len(self._selectors):
            self._compiled_keys = frozenset(self._selectors)
        return self._compiled_keys

    def selector_keys_for(self, codes: tuple[str, ...]) -> frozenset[str]:
        """The keys of every compiled selector that a medicine with these ATC codes falls under (remembered)."""
        cache_key = (codes, len(self._selectors))  # a selector compiled later makes a fresh answer
        found = self._keys_for.get(cache_key)
        if found is None:
            found = self._keys_for[cache_key] = frozenset(k for k, sel in self._selectors.items() if sel.matches_any(codes))
        return found

    def selector_names(self, data: Any, lang: str) -> str:
        """A reader's name for a selector: the name of its group, substance, vaccine or ATC class, else the code."""
        if isinstance(data, list):
            return " / ".join(self.selector_names(d, lang) for d in data)
        if isinstance(data, dict):
            base = self.selector_names(data.get("any", []), lang)
            excl = self.selector_names(data.get("except", []), lang) if data.get("except") else ""
            return f"{base} ({'behalve' if lang == 'nl' else 'except'} {excl})" if excl else base
        if data in self.groups:
            g = self.groups[data]
            return g.en if lang == "en" else g.nl
        return self.atc_name(str(data), lang) or str(data)

    def _opt(self, data: Any, where: str) -> Expr | None:
        return None if data is None else self._compiler.compile(data, where)

    def _compile_criterion(self, r: s.Criterion) -> CompiledCriterion:
        self._check_named(r.suggest or [], f"{r.id}.suggest")
        return CompiledCriterion(r, self._compiler.compile(r.when, f"{r.id}.when"),
                                 self._opt(r.unless, f"{r.id}.unless"), self._opt(r.downgrade, f"{r.id}.downgrade"))

    def _compile_interaction(self, r: s.Interaction) -> CompiledInteraction:
        return CompiledInteraction(r, tuple(self.selector(d, f"{r.id}.drugs") for d in r.drugs),
                                   self._opt(r.when, f"{r.id}.when"), self._opt(r.unless, f"{r.id}.unless"),
                                   self._opt(r.downgrade, f"{r.id}.downgrade"))

    def _compile_cascade(self, r: s.Cascade) -> CompiledCascade:
        if r.effect not in self.effects:
            raise KnowledgeError(r.id, f"unknown effect {r.effect!r}; define it in knowledge/effects.yaml")
        self._check_conditions(r.explained_by, r.id)
        self._check_conditions(self.effects[r.effect].conditions, f"effect {r.effect}")
        return CompiledCascade(r, self.selector(r.index, f"{r.id}.index"), self.selector(r.marker, f"{r.id}.marker"),
                               self._opt(r.unless, f"{r.id}.unless"))

    # -- overview --------------------------------------------------------------------------

    def rule(self, rule_id: str) -> s._Rule:
        """One rule by id (KeyError when unknown)."""
        return self.rules[rule_id]

    def iter_rules(self) -> Iterator[s._Rule]:
        """Every rule, in id order."""
        return iter(sorted(self.rules.values(), key=lambda r: r.id))

    def counts(self) -> dict[str, int]:
        """How many entries of each kind the base holds."""
        return {
            "substances": len(self.substances), "brands": sum(len(x.brands) for x in self.substances.values()),
            "rxnorm": sum(1 for x in self.substances.values() if x.rxnorm), "groups": len(self.groups),
            "conditions": len(self.conditions), "effects": len(self.effects), "criteria": len(self.criteria),
            "interactions": len(self.interactions), "renal": len(self.renal), "cascades": len(self.cascades),
            "indications": len(self.indications), "vaccines": len(self.vaccines),
            "burden_scores": sum(len(b.scores) for b in self.burden), "atc_classes": len(self.atc_classes),
        }


def _document(data: Any, model: type[M], name: str) -> M:
    """A knowledge file that is one document (not a list of entries), validated; KnowledgeError names the field."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        raise KnowledgeError(name, f"{'.'.join(str(x) for x in first['loc'])}: {first['msg']}") from None


def _selection(data: Any) -> s.Selection:
    if data is None:
        raise KnowledgeError("selection.yaml", "missing: who needs a medication review (min_age, min_chronic_medicines, ...)")
    return _document(data, s.Selection, "selection.yaml")


def _atc_classes(data: Any) -> list[s.AtcClass]:
    return [] if data is None else _document(data, s.AtcClasses, "atc_classes.yaml").classes


def knowledge_stats(kb: Knowledge) -> dict[str, int]:
    """Counts per kind of knowledge, and how many rules lack sources or either kind of example (must be 0)."""
    criteria = [c.rule.id for c in kb.criteria]
    subs = kb.substances.values()
    conditions = kb.conditions.values()
    return {
        "STOPP v3 criteria": sum(1 for c in criteria if c.startswith("STOPP-")),
        "START v3 criteria": sum(1 for c in criteria if c.startswith("START-")),
        "other criteria": sum(1 for c in criteria if not c.startswith(("STOPP-", "START-"))),
        "interactions": len(kb.interactions),
        "renal rules": len(kb.renal),
        "cascades": len(kb.cascades),
        "ThinkCascades cascades": sum(1 for c in kb.cascades if any("thinkcascades" in s.lower() for s in c.rule.sources)),
        "Rochon 2025 cascades": sum(1 for c in kb.cascades if any("rochon" in s.lower() for s in c.rule.sources)),
        "indications": len(kb.indications),
        "burden scales": len(kb.burden),
        "burden scores": sum(len(b.scores) for b in kb.burden),
        "substances": sum(1 for x in subs if not x.components),
        "combination products": sum(1 for x in subs if x.components),
        "Dutch brand names": sum(len(x.brands) for x in subs),
        "substances with RxNorm": sum(1 for x in subs if x.rxnorm),
        "drug groups": len(kb.groups),
        "conditions": len(kb.conditions),
        "conditions with ICD-10": sum(1 for c in conditions if c.icd10),
        "conditions with ICPC-2": sum(1 for c in conditions if c.icpc),
        "conditions with SNOMED CT": sum(1 for c in conditions if c.snomed),
        "adverse effects": len(kb.effects),
        "vaccines": len(kb.vaccines),
        "ATC class names": len(kb.atc_classes),
        "rules": len(kb.rules),
        "rules without sources": sum(1 for r in kb.rules.values() if not any(s.strip() for s in r.sources)),
        "rules without both kinds of example": sum(1 for r in kb.rules.values()
                                                   if not (r.examples.fire and r.examples.quiet)),
    }


def _code(code: str) -> str:
    return code.strip().upper().replace(".", "")


def _unique_by(items: list[Any], attr: str, what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key = getattr(item, attr)
        if key in out:
            raise KnowledgeError(f"{what} {key}", "defined twice")
        out[key] = item
    return out


def _entries(files: Mapping[str, Any], prefix: str, model: type[M]) -> list[M]:
    out: list[M] = []
    for name, data in files.items():
        if not name.startswith(prefix) or (prefix.endswith(".yaml") and name != prefix):
            continue
        if not isinstance(data, list):
            raise KnowledgeError(name, "a knowledge file holds a list of entries")
        for i, entry in enumerate(data):
            label = entry.get("id") or entry.get("atc") if isinstance(entry, dict) else None
            try:
                out.append(model.model_validate(entry))
            except ValidationError as err:
                first = err.errors()[0]
                loc = ".".join(str(x) for x in first["loc"])
                raise KnowledgeError(f"{name} entry {i + 1}" + (f" ({label})" if label else ""),
                                     f"{loc}: {first['msg']}") from None
    return out


def _read_files(knowledge_dir: Path, cascades_dir: Path) -> tuple[dict[str, Any], str, str]:
    if not (knowledge_dir / "version.yaml").is_file():
        raise KnowledgeError(str(knowledge_dir), "no knowledge base here (version.yaml missing)")
    paths = [(p.relative_to(knowledge_dir).as_posix(), p) for p in sorted(knowledge_dir.rglob("*.yaml"))]
    if cascades_dir.is_dir():
        paths += [(f"cascades:{p.name}", p) for p in sorted(cascades_dir.glob("*.yaml"))]
    digest = hashlib.sha256(_CACHE_FORMAT.encode())
    raws = []
    for name, path in paths:
        raw = path.read_bytes()
        digest.update(name.encode() + b"\0" + raw + b"\0")
        raws.append((name, path, raw))
    files = _cache_read(digest.hexdigest())
    if files is None:
        files = {}
        for name, path, raw in raws:
            try:
                files[name] = yaml.load(raw, Loader=_Loader)
            except yaml.YAMLError as err:
                raise KnowledgeError(str(path), f"not valid YAML: {err}".replace("\n", " ")) from None
        files, text = _as_json_data(files)  # the same shape with or without the cache
        _cache_write(digest.hexdigest(), text)
    version = files.pop("version.yaml", {}) or {}
    if not isinstance(version, dict) or "version" not in version:
        raise KnowledgeError(str(knowledge_dir / "version.yaml"), "needs `version: ...`")
    return files, str(version["version"]), digest.hexdigest()


# The parsed YAML is kept as JSON, one file per content hash, in the user's cache folder: YAML
# parsing is most of a cold start and JSON of the same data loads several times faster. No pickle.
_CACHE_FORMAT = "mbo-knowledge-cache-1"


def _cache_dir() -> Path:
    """$MBO_CACHE_DIR, else $XDG_CACHE_HOME/mbo, else ~/.cache/mbo."""
    if os.environ.get("MBO_CACHE_DIR"):
        return Path(os.environ["MBO_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mbo"


def _cache_read(digest: str) -> dict[str, Any] | None:
    try:
        return json.loads((_cache_dir() / f"knowledge-{digest}.json").read_bytes())
    except (OSError, ValueError):
        return None


def _as_json_data(files: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The parsed YAML in the shape the cache gives back (dates as ISO text), and that JSON text."""
    text = json.dumps(files, default=str, ensure_ascii=False)
    return json.loads(text), text


def _cache_write(digest: str, text: str) -> None:
    folder = _cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".knowledge-{digest}.{os.getpid()}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, folder / f"knowledge-{digest}.json")
    except OSError:
        pass  # a read-only home: every start parses the YAML, nothing else changes


_CACHE: dict[tuple[Path, Path], Knowledge] = {}


def knowledge_with_hash(content_hash: str) -> Knowledge:
    """The knowledge base loaded in this process with this content hash (the one that made a review), else the bundled one."""
    return next((kb for kb in _CACHE.values() if kb.hash == content_hash), None) or load_knowledge()


def load_knowledge(path: str | Path | None = None, *, cascades: str | Path | None = None) -> Knowledge:
    """Load and validate the knowledge base (the bundled one by default).

    Raises KnowledgeError when a file is missing or breaks the schema. The result is cached
    per folder, so repeated reviews in one process pay the cost once.

        >>> kb = load_knowledge()
        >>> kb.counts()["interactions"] > 0
        True
    """
    default_k, default_c = default_paths()
    knowledge_dir = Path(path) if path is not None else default_k
    cascades_dir = Path(cascades) if cascades is not None else (
        knowledge_dir.parent / "cascades" if path is not None else default_c)
    key = (knowledge_dir.resolve(), cascades_dir.resolve())
    if key not in _CACHE:
        files, version, digest = _read_files(knowledge_dir, cascades_dir)
        _CACHE[key] = Knowledge(files, version, digest)
    return _CACHE[key]
