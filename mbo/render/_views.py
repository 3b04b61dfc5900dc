"""What the report templates look up in a Review: groupings, plain-language words, pictures.

Nothing here decides anything clinical: findings, actions, links and follow-up come from the
engine. This module only groups them for a reader (by domain, by prescriber) and puts the
words of the patient's list in plain language (B1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .._dosage import _TIMES_OF_DAY, _normalise, parse_dosage
from .._i18n import word
from .._knowledge import Knowledge, knowledge_with_hash
from .._patient import IN_USE
from .._reconcile import entry_id
from .._review import ConditionEntry, Finding, FollowUp, MedicationEntry, PrescriberEntry, Review
from ._pictures import ConditionMap, Timeline, bar_class, condition_map, timeline

__all__ = ["ReportView", "provenance"]

# The GP letter groups findings by the domain of the ATC main group of the first medicine a finding names
# (knowledge/atc_classes.yaml); this heading when the knowledge gives none.
_OTHER_DOMAIN = ("Overig", "Other")

_PLAIN_ACTION = {
    "stop": ("Stoppen", "Stop"),
    "reduce": ("Minder innemen (lagere dosis)", "Take less (lower dose)"),
    "change": ("Ander medicijn of andere dosis", "Another medicine or dose"),
    "start": ("Nieuw medicijn", "New medicine"),
    "check": ("Uw arts kijkt of dit nog goed is", "Your doctor checks whether this is still right"),
    "monitor": ("Blijft, met extra controle", "Stays, with extra check-ups"),
    "continue": ("Blijft hetzelfde", "No change"),
}

_PLAIN_REASON = {
    "interaction": ("{drug} werkt niet goed samen met {other}.", "{drug} does not go well with {other}."),
    "contraindication": ("{drug} past niet goed bij uw gezondheid, bijvoorbeeld bij een andere ziekte of bij uw nieren.",
                         "{drug} does not suit your health well, for example another illness or your kidneys."),
    "dose": ("De dosis van {drug} is misschien niet goed voor u, bijvoorbeeld voor uw nieren.",
             "The dose of {drug} may not be right for you, for example for your kidneys."),
    "inappropriate": ("Voor oudere mensen is er vaak een veiliger keuze dan {drug}.",
                      "For older people there is often a safer choice than {drug}."),
    "omission": ("Dit medicijn kan u helpen of beschermen.", "This medicine can help or protect you."),
    "duplication": ("{drug} en {other} doen ongeveer hetzelfde.", "{drug} and {other} do much the same thing."),
    "no-indication": ("Het is niet duidelijk waarvoor u {drug} gebruikt.", "It is not clear what you take {drug} for."),
    "burden": ("Samen kunnen uw medicijnen u suf of vergeetachtig maken.",
               "Together your medicines can make you drowsy or forgetful."),
    "discrepancy": ("Op de lijsten van uw artsen en apotheek staat {drug} niet hetzelfde.",
                    "The lists of your doctors and pharmacy do not agree on {drug}."),
}
_PLAIN_CASCADE = {
    "index": ("{drug} geeft misschien klachten waarvoor u nu {other} gebruikt.",
              "{drug} may cause complaints for which you now take {other}."),
    "marker": ("U kreeg {drug} misschien voor klachten die komen door {other}.",
               "You may have been given {drug} for complaints caused by {other}."),
}
# Times of day as the instruction may write them (see _dosage._TIMES_OF_DAY), in the patient's words.
_TIME_PLAIN = {"'s morgens": ("'s morgens", "in the morning"), "'s ochtends": ("'s ochtends", "in the morning"),
               "'s middags": ("'s middags", "at midday"), "'s avonds": ("'s avonds", "in the evening"),
               "'s nachts": ("'s nachts", "at night"), "voor de nacht": ("voor de nacht", "at bedtime"),
               "a.n.": ("voor de nacht", "at bedtime"), "bij het ontbijt": ("bij het ontbijt", "with breakfast"),
               "in the morning": ("'s morgens", "in the morning"), "in the evening": ("'s avonds", "in the evening"),
               "at night": ("'s nachts", "at night"), "at bedtime": ("voor de nacht", "at bedtime"),
               "nightly": ("voor de nacht", "at bedtime")}
_UNIT_PLAIN = {"tablet": ("tablet", "tabletten", "tablet", "tablets"), "capsule": ("capsule", "capsules", "capsule", "capsules"),
               "sachet": ("zakje", "zakjes", "sachet", "sachets"), "druppel": ("druppel", "druppels", "drop", "drops"),
               "inhalatie": ("puf", "pufjes", "puff", "puffs"), "pleister": ("pleister", "pleisters", "patch", "patches"),
               "zetpil": ("zetpil", "zetpillen", "suppository", "suppositories"), "stuk": ("stuk", "stuks", "piece", "pieces")}
_GP_WORDS = ("huisarts", "general practitioner", "gp")
_ATC = re.compile(r"[A-Z]\d\d(?:[A-Z](?:[A-Z](?:\d\d)?)?)?")


def provenance(review: Review) -> str:
    """One line for a footer: the knowledge base (version, hash) and the explicit criteria that produced the review."""
    k, c = review.knowledge, review.knowledge.criteria
    line = f"{'Knowledge base' if review.language == 'en' else 'Kennisbank'} {k.version} ({k.hash[:12]}) · {c.set}"
    return line + (f" ({Path(c.file).name}, sha256 {c.sha256[:12]})" if c.file and c.sha256 else "")


@dataclass
class PrescriberGroup:
    """One prescriber with the medicines he prescribes and the findings that ask him to act."""

    label: str
    prescriber: PrescriberEntry | None
    medications: list[MedicationEntry]
    findings: list[Finding]


@dataclass
class Question:
    """A decision for the multidisciplinary meeting."""

    ref: str
    severity: str | None
    question: str
    proposal: str
    who: list[str]


class ReportView:
    """Look-ups over one Review for the templates."""

    def __init__(self, review: Review) -> None:
        self.r = review
        self.lang = review.language
        self.en = review.language == "en"
        self.by_id = {m.id: m for m in review.medications}
        self.findings_by_id = {f.id: f for f in review.findings}
        self.conditions_by_id = {c.id: c for c in review.conditions}

    @cached_property
    def kb(self) -> Knowledge:
        """The knowledge base that made the review (the bundled one when that is not loaded here)."""
        return knowledge_with_hash(self.r.knowledge.hash)

    @property
    def provenance(self) -> str:
        """See `provenance`."""
        return provenance(self.r)

    def _w(self, pair: tuple[str, str]) -> str:
        return pair[1] if self.en else pair[0]

    # -- look-ups ---------------------------------------------------------------------------------------------

    def entry(self, key: str) -> MedicationEntry | None:
        """The list entry of a medicine a finding names (finding.medications holds medicine keys)."""
        return self.by_id.get(entry_id(key))

    def meds_of(self, f: Finding) -> list[MedicationEntry]:
        """The list entries a finding names, in the finding's order (a cascade: index drug, then marker drug)."""
        found = [e for k in f.medications if (e := self.entry(k)) is not None]
        if f.kind == "omission":
            found += [m for m in self.r.medications if m.status == "proposed" and f.id in m.findings]
        return found

    def actions_of(self, f: Finding) -> list[tuple[MedicationEntry, str]]:
        """What the finding asks of each medicine it names."""
        return [(e, f.actions[k]) for k in f.medications if k in f.actions and (e := self.entry(k)) is not None]

    def findings_of(self, m: MedicationEntry) -> list[Finding]:
        return [self.findings_by_id[fid] for fid in m.findings if fid in self.findings_by_id]

    def condition(self, cid: str) -> ConditionEntry | None:
        return self.conditions_by_id.get(cid)

    def prescriber(self, label: str | None) -> PrescriberEntry | None:
        return next((p for p in self.r.prescribers if p.label == label), None)

    @cached_property
    def gp(self) -> PrescriberEntry | None:
        """The patient's GP when the input names one (by specialty), else None: the letter leaves it open."""
        return next((p for p in self.r.prescribers if (p.specialty or p.label).strip().lower() in _GP_WORDS), None)

    # -- the list, sliced -------------------------------------------------------------------------------------

    @cached_property
    def in_use(self) -> list[MedicationEntry]:
        return [m for m in self.r.medications if m.status in IN_USE]

    @cached_property
    def history(self) -> list[MedicationEntry]:
        return [m for m in self.r.medications if m.status not in IN_USE and m.status != "proposed"]

    @cached_property
    def proposals(self) -> list[MedicationEntry]:
        return [m for m in self.r.medications if m.status == "proposed"]

    @cached_property
    def changes(self) -> list[MedicationEntry]:
        """Medicines in use whose action is not 'continue', then the proposals to start."""
        order = {"stop": 0, "change": 1, "reduce": 2, "check": 3, "monitor": 4}
        changed = [m for m in self.in_use if m.action != "continue"]
        return sorted(changed, key=lambda m: (order.get(m.action, 5), m.name.lower())) + self.proposals

    def bar_class(self, m: MedicationEntry) -> str:
        return bar_class(m)

    def indication(self, m: MedicationEntry, *, lay: bool = False) -> list[str]:
        """What a medicine is for in this patient: the conditions it treats, or else its purpose when only conditions
        that justify it are present (a statin with high blood pressure), and 'with <medicine>'.

        With `lay`, conditions by their lay names and the purpose alone (the patient's list); else by their
        professional names, the purpose followed by the justifying conditions."""
        def name(cid: str) -> str | None:
            c = self.condition(cid)
            return None if c is None else (lay and c.lay_name) or c.name

        names = [n for cid in m.conditions if (n := name(cid))]
        if not names and m.purpose:
            why = [n for cid in m.justified_by if (n := name(cid))]
            names.append(m.purpose if lay or not why else f"{m.purpose} ({', '.join(why)})")
        names += [("with " if self.en else "bij ") + o.name for oid in m.indicated_with if (o := self.by_id.get(oid))]
        return names

    def has_no_indication(self, m: MedicationEntry) -> bool:
        return any(f.kind == "no-indication" for f in self.findings_of(m))

    # -- groupings --------------------------------------------------------------------------------------------

    def domain(self, f: Finding) -> str:
        codes = [*(k for k in f.medications if not k.startswith("?")), *f.suggest]
        return (self.kb.atc_domain(codes[0], self.lang) if codes else None) or self._w(_OTHER_DOMAIN)

    def domains(self, findings: list[Finding] | None = None) -> list[tuple[str, list[Finding]]]:
        """Findings grouped by domain; domains in the order of their most severe finding."""
        groups: dict[str, list[Finding]] = {}
        for f in self.r.findings if findings is None else findings:
            groups.setdefault(self.domain(f), []).append(f)
        return list(groups.items())

    @cached_property
    def main_findings(self) -> list[Finding]:
        return [f for f in self.r.findings if f.severity != "low"]

    @cached_property
    def minor_findings(self) -> list[Finding]:
        return [f for f in self.r.findings if f.severity == "low"]

    @cached_property
    def prescriber_groups(self) -> list[PrescriberGroup]:
        groups = []
        for p in self.r.prescribers:
            meds = [m for m in self.r.medications if m.prescriber == p.label and m.status != "proposed"]
            meds += [m for m in self.proposals if m.prescriber == p.label]
            asks = [f for f in self.r.findings if p.label in f.prescribers]
            if meds or asks:
                groups.append(PrescriberGroup(label=p.label, prescriber=p, medications=meds, findings=asks))
        unknown = [m for m in self.r.medications if not m.prescriber]
        if unknown:  # findings name them "prescriber unknown": one group for both
            label = word("prescriber_unknown", self.lang)
            group = next((g for g in groups if g.label == label), None)
            if group is None:
                groups.append(PrescriberGroup(label=label, prescriber=None, medications=unknown, findings=[]))
            else:
                group.medications = unknown + group.medications
        return groups

    def tasks(self, group: PrescriberGroup) -> list[tuple[str, str | None, list[str]]]:
        """What one prescriber is asked: (medicine, action, finding ids) for each of his medicines the review
        would change, then (finding title, None, [id]) for findings that name him but none of those medicines."""
        out: list[tuple[str, str | None, list[str]]] = []
        covered: set[str] = set()
        for e in self.changes:
            if e.prescriber == group.label:
                ids = [fid for fid in e.findings if fid in self.findings_by_id]
                out.append((e.name, e.action, ids))
                covered.update(ids)
        for f in group.findings:
            if f.id not in covered:
                out.append((f.title, None, [f.id]))
        return out

    @cached_property
    def follow_up(self) -> list[tuple[str, list[FollowUp]]]:
        """The if-then instructions grouped by their condition ("if the eGFR falls below 30": three medicines)."""
        groups: dict[str, list[FollowUp]] = {}
        for fu in self.r.follow_up:
            groups.setdefault(fu.when, []).append(fu)
        return list(groups.items())

    # The letter to the GP keeps to one page: the first points in full, the rest as one line each;
    # the first if-then groups (the MDB dossier has them all).
    LETTER_POINTS = 5
    LETTER_FOLLOW_UP = 5

    @cached_property
    def letter_points(self) -> list[Finding]:
        return self.main_findings[: self.LETTER_POINTS]

    @cached_property
    def letter_more(self) -> list[Finding]:
        return self.main_findings[self.LETTER_POINTS:] + self.minor_findings

    @cached_property
    def questions(self) -> list[Question]:
        """What the meeting decides: the unresolved medicines, then each finding's proposal."""
        out = [Question(ref="?", severity=None, question=(f"Which medicine is '{m.text}'?" if self.en else
                                                          f"Welk geneesmiddel is '{m.text}'?"),
                        proposal=word("unresolved", self.lang), who=[m.prescriber] if m.prescriber else [])
               for m in self.r.unresolved]
        for f in self.r.findings:
            if f.kind == "no-indication":
                names = ", ".join(m.name for m in self.meds_of(f))
                q = f"What is the indication for {names}?" if self.en else f"Wat is de indicatie voor {names}?"
            else:
                q = f.title
            out.append(Question(ref=f.id, severity=f.severity, question=q, proposal=f.recommendation, who=f.prescribers))
        return out

    # -- the patient's words (B1) -----------------------------------------------------------------------------

    def plain_action(self, action: str) -> str:
        return self._w(_PLAIN_ACTION.get(action, (action, action)))

    def plain_reasons(self, m: MedicationEntry) -> list[str]:
        """Why a medicine changes, in plain words, one sentence per finding that names it."""
        out: list[str] = []
        for f in self.findings_of(m):
            others = [e.name for e in self.meds_of(f) if e.id != m.id and e.status != "proposed"]
            other = (" and " if self.en else " en ").join(others) or ("another medicine" if self.en else "een ander medicijn")
            if f.kind == "cascade" and f.medications:
                role = "index" if entry_id(f.medications[0]) == m.id else "marker"
                text = self._w(_PLAIN_CASCADE[role]).format(drug=m.name, other=other)
            else:
                text = self._w(_PLAIN_REASON.get(f.kind, ("", ""))).format(drug=m.name, other=other)
            text = text[:1].upper() + text[1:]
            if text and text not in out:
                out.append(text)
        return out

    def plain_name(self, m: MedicationEntry) -> str:
        """A proposal's name without ATC codes: 'apixaban / edoxaban (B01AF02, B01AF03)' → 'apixaban of edoxaban';
        empty when only ATC codes name it."""
        if m.status != "proposed":
            return m.name
        names = [n.strip() for n in re.sub(r"\s*\([^)]*\)$", "", m.name).split(" / ")]
        return (" or " if self.en else " of ").join(n for n in names if n and not _ATC.fullmatch(n))

    def plain_dose(self, m: MedicationEntry) -> str:
        """'1 dd 1 tablet a.n.' as '1 keer per dag 1 tablet (voor de nacht)'; the instruction as written when it
        cannot be read."""
        text = m.dose or ""
        d = parse_dosage(text)
        if not d.parsed or d.schedule:
            return text
        en = self.en
        parts = []
        if d.as_needed:
            parts.append("when needed" if en else "als het nodig is")
        if d.frequency is not None and d.period is not None and d.period_unit:
            per = {"d": ("per dag", "a day"), "wk": ("per week", "a week"), "mo": ("per maand", "a month"),
                   "h": ("per uur", "an hour")}[d.period_unit]
            if d.period == 1:
                parts.append(f"{d.frequency:g} {'times' if en else 'keer'} {per[en]}")
            else:
                units = {"h": ("uur", "hours"), "d": ("dagen", "days"), "wk": ("weken", "weeks"), "mo": ("maanden", "months")}
                parts.append(f"{'every' if en else 'om de'} {d.period / d.frequency:g} {units[d.period_unit][en]}")
        if d.dose is not None:
            amount = f"{d.dose:g}" + (f"-{d.dose_high:g}" if d.dose_high is not None else "")
            amount = amount if en else amount.replace(".", ",")
            many = (d.dose_high or d.dose) > 1
            unit = _UNIT_PLAIN.get(d.unit or "", (d.unit, d.unit, d.unit, d.unit))[(2 if en else 0) + many] if d.unit else ""
            parts.append(f"{amount} {unit}".strip())
        if d.max_per_day is not None:
            parts.append(f"{'no more than' if en else 'niet meer dan'} {d.max_per_day:g} {'a day' if en else 'per dag'}")
        plain = ", ".join(parts) if d.as_needed else " ".join(parts)
        times = [re.sub(r"^'s ?", "'s ", t) for t in _TIMES_OF_DAY.findall(_normalise(text))]
        if times:
            plain += " (" + ", ".join(dict.fromkeys(self._w(_TIME_PLAIN.get(t, (t, t))) for t in times)) + ")"
        return re.sub(r"\b1 times\b", "once", plain) if en else plain

    # -- pictures ---------------------------------------------------------------------------------------------

    @cached_property
    def timeline(self) -> Timeline:
        return timeline(self.r)

    @cached_property
    def condition_map(self) -> ConditionMap:
        return condition_map(self.r)
