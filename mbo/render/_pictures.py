"""Geometry of the pictures: the medication timeline and the medicine–condition map.

Only layout happens here (coordinates, rows, which class a bar gets); the SVG templates in
reports/ draw it, with every text from the input escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from .._i18n import fmt_date
from .._patient import IN_USE
from .._reconcile import entry_id
from .._review import MedicationEntry, Review

__all__ = ["Timeline", "ConditionMap", "timeline", "condition_map", "bar_class"]

_WIDTH = 720
_LABEL_CHARS = 30
_MAX_YEARS = 15  # older starts are drawn from the left edge with an open end


def _short(text: str, limit: int = _LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_class(m: MedicationEntry) -> str:
    """The colour class of a medicine: what the review proposes, or history for stopped medicines."""
    if m.unresolved:
        return "unresolved"
    if m.status == "proposed":
        return "start"
    if m.status not in IN_USE:
        return "past"
    return {"stop": "stop", "change": "change", "reduce": "change", "check": "check", "monitor": "check"}.get(m.action, "keep")


@dataclass
class Bar:
    y: float
    label: str
    title: str
    cls: str
    x1: float
    x2: float
    open_start: bool = False
    open_end: bool = False
    point: bool = False
    badges: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Arrow:
    d: str
    label: str
    x: float
    y: float
    title: str


@dataclass
class Timeline:
    width: int
    height: float
    x0: float
    x1: float
    axis_y: float
    ticks: list[tuple[float, str]]
    conditions: list[Bar]
    medicines: list[Bar]
    arrows: list[Arrow]
    today_x: float
    today_label: str
    separator_y: float | None
    empty: bool


def timeline(review: Review) -> Timeline:
    """One bar per medicine from start to stop (or the review date), the conditions from their onset,
    and each prescribing cascade as an arrow from the index drug's start to the marker drug's start."""
    lang, today = review.language, review.review_date
    meds = [m for m in review.medications]
    dates = [d for m in meds for d in (m.start, m.stop) if d] + [c.onset for c in review.conditions if c.onset and c.concept]
    earliest = max(min(dates, default=today - timedelta(days=365)), today.replace(year=today.year - _MAX_YEARS))
    lo = date(min(earliest.year, today.year - 1), 1, 1)
    span = (today - lo).days or 1
    hi = today + timedelta(days=max(45, span // 25))
    x0, x1 = 215.0, _WIDTH - 12.0

    def x(d: date | None) -> float:
        if d is None:
            return x0
        d = min(max(d, lo), hi)
        return x0 + (x1 - x0) * (d - lo).days / (hi - lo).days

    years = today.year - lo.year + 1
    step = 1 if years <= 9 else 2 if years <= 18 else 5
    ticks = [(x(date(y, 1, 1)), str(y)) for y in range(lo.year, today.year + 1) if (y - lo.year) % step == 0]
    row, y = 17.0, 34.0
    conditions = []
    for c in sorted((c for c in review.conditions if c.concept), key=lambda c: (c.onset or date.min, c.name.lower())):
        conditions.append(Bar(y=y, label=_short(c.name), title=f"{c.name} ({fmt_date(c.onset, lang)})", cls="condition",
                              x1=x(c.onset), x2=x(today), open_start=c.onset is None or c.onset < lo))
        y += row
    separator = None
    if conditions:
        separator, y = y - row / 2 + 2, y + 6
    severity: dict[str, str] = {f.id: f.severity for f in review.findings}
    ordered = sorted(meds, key=lambda m: (m.status == "proposed", m.start is not None, m.start or date.min, m.name.lower()))
    medicines, rows = [], {}
    for m in ordered:
        stopped = m.status not in IN_USE and m.status != "proposed"
        end = m.stop if m.stop else (None if stopped else today)
        title = f"{m.name}: {fmt_date(m.start, lang)} – {fmt_date(m.stop, lang) if m.stop else ('?' if stopped else '')}"
        x1 = x(m.start) if m.status != "proposed" else x(today)
        bar = Bar(y=y, label=_short(m.name if not m.unresolved else m.text), title=title, cls=bar_class(m),
                  x1=x1, x2=x(end) if end else x1 + 16,  # stopped on an unknown date: a stub and a '?'

                  open_start=m.status != "proposed" and (m.start is None or m.start < lo),
                  open_end=stopped and m.stop is None, point=m.status == "proposed",
                  badges=[(fid, severity.get(fid, "low")) for fid in m.findings])
        medicines.append(bar)
        rows[m.id] = bar
        y += row
    arrows = []
    for f in review.findings:
        if f.kind != "cascade" or len(f.medications) != 2:
            continue
        index, marker = rows.get(entry_id(f.medications[0])), rows.get(entry_id(f.medications[1]))
        if index is None or marker is None:
            continue
        ax, ay, bx, by = index.x1, index.y, max(marker.x1, index.x1 + 6), marker.y
        bend = ax + (bx - ax) * 0.35
        d = f"M{ax:.1f},{ay:.1f} C{ax:.1f},{by:.1f} {bend:.1f},{by:.1f} {bx - 3:.1f},{by:.1f}"
        arrows.append(Arrow(d=d, label=f.id, x=ax + 3, y=(ay + by) / 2 + 3, title=f.title))
    height = y + 6
    return Timeline(width=_WIDTH, height=height, x0=x0, x1=x1, axis_y=18, ticks=ticks, conditions=conditions,
                    medicines=medicines, arrows=arrows, today_x=x(today), today_label=fmt_date(today, lang),
                    separator_y=separator, empty=not meds)


@dataclass
class Node:
    id: str
    x: float
    y: float
    w: float
    label: str
    title: str
    cls: str
    badges: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Link:
    d: str
    cls: str


@dataclass
class ConditionMap:
    width: int
    height: float
    conditions: list[Node]
    medicines: list[Node]
    links: list[Link]
    empty: bool


def condition_map(review: Review) -> ConditionMap:
    """Conditions on the left, the medicines in use on the right, a line where the indication knowledge links them
    (dotted where the condition justifies the medicine without being what it treats); a dashed arc from a medicine
    to the medicine it goes with (a laxative with an opioid)."""
    conds = [c for c in review.conditions if c.concept]  # diagnoses the knowledge base does not know link to nothing
    cond_index = {c.id: i for i, c in enumerate(conds)}
    meds = [m for m in review.medications if m.status in IN_USE or m.unresolved]
    no_indication = {key for f in review.findings if f.kind == "no-indication" for key in f.medications}

    def order(m: MedicationEntry) -> tuple[object, ...]:
        linked = [cond_index[c] for c in m.conditions + m.justified_by if c in cond_index]
        return (not linked and not m.indicated_with, min(linked, default=len(conds)), m.name.lower())

    meds.sort(key=order)
    row = 24.0
    rows = max(len(conds), len(meds), 1)
    top = 26.0
    height = top + rows * row + 4
    cx, cw, mx, mw = 6.0, 230.0, 430.0, 240.0

    def ys(n: int) -> list[float]:
        offset = top + (rows - n) * row / 2
        return [offset + i * row + row / 2 for i in range(n)]

    severity: dict[str, str] = {f.id: f.severity for f in review.findings}
    cnodes = []
    for cond, y in zip(conds, ys(len(conds))):
        cnodes.append(Node(id=cond.id, x=cx, y=y, w=cw, label=_short(cond.name, 36), title=cond.text,
                           cls="condition" if cond.medications else "condition untreated"))
    mnodes = []
    key_ids = {entry_id(k) for k in no_indication}
    for entry, y in zip(meds, ys(len(meds))):
        if entry.unresolved:
            cls = "unresolved"
        elif entry.conditions or entry.justified_by or entry.indicated_with:
            cls = "linked"
        elif entry.id in key_ids:
            cls = "noind"
        else:
            cls = "unknown"
        badges: list[tuple[str, str]] = [(fid, severity.get(fid, "low")) for fid in entry.findings][:3]
        mnodes.append(Node(id=entry.id, x=mx, y=y, w=mw,
                           label=_short(entry.name if not entry.unresolved else entry.text, 36 - 5 * len(badges)),
                           title=entry.text, cls=cls, badges=badges))
    at = {n.id: n for n in cnodes + mnodes}
    links = []
    for node, entry in zip(mnodes, meds):
        for cid, cls in [(cid, "treats") for cid in entry.conditions] + [(cid, "justifies") for cid in entry.justified_by]:
            c = at.get(cid)
            if c is None:
                continue
            ax, bx = c.x + c.w, node.x
            mid = (ax + bx) / 2
            links.append(Link(d=f"M{ax:.1f},{c.y:.1f} C{mid:.1f},{c.y:.1f} {mid:.1f},{node.y:.1f} {bx:.1f},{node.y:.1f}",
                              cls=cls))
        for other in entry.indicated_with:
            o = at.get(other)
            if o is None:
                continue
            bulge = mx + mw + 30 + abs(o.y - node.y) * 0.08
            links.append(Link(d=f"M{node.x + node.w:.1f},{node.y:.1f} C{bulge:.1f},{node.y:.1f} {bulge:.1f},{o.y:.1f} "
                                f"{o.x + o.w:.1f},{o.y:.1f}", cls="with"))
    return ConditionMap(width=_WIDTH, height=height, conditions=cnodes, medicines=mnodes, links=links,
                        empty=not conds and not meds)
