"""The reports (mdb, huisarts, voorschrijver, patient) in HTML and Markdown: content, language, open fields, escaping."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest

import mbo
from mbo import Knowledge, Review
from mbo.render._templates import md_escape

from _cases import CASE_PARAMS, case_path
from _helpers import native

REPORTS = ("mdb", "huisarts", "voorschrijver", "patient")
_SCRIPT = "<script>alert(1)</script>"


@lru_cache(maxsize=None)
def case_review(name: str, lang: str = "nl") -> Review:
    return mbo.review(str(case_path(name)), lang=lang)  # type: ignore[arg-type]


def _text(html: str) -> str:
    """The visible text of an HTML page, roughly: tags dropped, entities for < > & kept as characters."""
    text = re.sub(r"<style.*?</style>|<svg.*?</svg>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&#39;", "'")
                    .replace("&#34;", '"').split())


@pytest.mark.parametrize("case", CASE_PARAMS)
@pytest.mark.parametrize("report", REPORTS)
def test_every_report_renders_for_every_case(case: str, report: str) -> None:
    review = case_review(case)
    html, md = mbo.render(review, "html", report=report), mbo.render(review, "md", report=report)
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "@page" in html and "size: A4" in html
    page, markdown = _text(html), " ".join(md.split())
    in_use = [m for m in review.medications if m.status in ("active", "on-hold", "unknown")]
    for m in in_use:  # nothing lost: every medicine in use is on every report
        name = m.name if not m.unresolved else m.text
        assert name in page, (report, name)
        assert md_escape(name) in markdown, (report, name)
    for f in review.findings:
        if report in ("mdb", "voorschrijver"):
            assert f.id in page and f.title in page, (report, f.id)
        if report == "huisarts":
            assert f.title in page, f.id
    if report == "patient":  # no ATC codes for the patient, not even for a proposal named only by one
        assert not re.search(r"\b[A-Z]\d\d[A-Z]{2}(\d\d)?\b", page + markdown), case
    if report == "mdb":
        assert page.count("akkoord") >= len(review.findings)
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="timeline"' in html
        assert 'class="condition-map"' in html
        for c in review.conditions:
            assert c.name in page


def test_gp_letter_of_the_ccb_case_names_the_cascade_and_the_advice(shared: object) -> None:
    review = case_review("ccb-oedema-diuretic")
    cascade = next(f for f in review.findings if f.kind == "cascade")
    for fmt in ("html", "md"):
        out = mbo.render(review, fmt, report="huisarts")
        text = _text(out) if fmt == "html" else out
        assert "Bericht aan de huisarts" in text
        assert cascade.title in text and cascade.recommendation in text
        assert "amlodipine" in text and "furosemide" in text and "→" in text
        assert "stoppen" in text and "wijzigen" in text          # each change, with its reason beside it
        assert "Als perifeer oedeem" in text                      # if-then follow-up from the cascade
        assert "Acuut plan" in text                               # room for the acute plan
        assert "huisarts (H. Jansen)" in text and "cardioloog (M. de Boer)" in text
    html = mbo.render(review, "html", report="huisarts")
    assert html.count('class="open') >= 4                        # pharmacist, phone, patient name, contacts: left open


def test_fields_the_input_lacks_are_left_open_not_invented(mini: Knowledge) -> None:
    review = mbo.review(native([{"atc": "C08CA01", "start": "2024-02-05"}, {"atc": "C03CA01", "start": "2024-06-20"}]),
                        knowledge=mini)
    html = mbo.render(review, "html", report="huisarts")
    text = _text(html)
    assert "geen labwaarden in de invoer" in text and "geen diagnosen in de invoer" in text
    assert re.search(r'<th>Aan</th><td><span class="open"[^>]*>huisarts</span>', html)  # no GP named: open
    assert not re.search(r"\b0\d{1,3}[- ]?\d{6,8}\b", text)                             # no phone number made up
    md = mbo.render(review, "md", report="huisarts")
    assert "*(naam apotheker)*" in md and "*(huisarts)*" in md


def test_contact_from_the_input_is_shown(mini: Knowledge) -> None:
    data = native([{"atc": "C08CA01", "prescriber": "p1"}], prescribers=[
        {"id": "p1", "name": "H. Jansen", "specialty": "huisarts", "contact": "030-1234567"}])
    review = mbo.review(data, knowledge=mini)
    assert review.prescribers[0].contact == "030-1234567"
    assert "030-1234567" in mbo.render(review, "html", report="patient")
    assert "030-1234567" in mbo.render(review, "html", report="mdb")


def test_fhir_practitioner_telecom_is_the_contact(mini: Knowledge) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "timestamp": "2026-01-01", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p", "birthDate": "1940-01-01", "gender": "female"}},
        {"fullUrl": "urn:uuid:gp", "resource": {"resourceType": "Practitioner", "id": "gp", "name": [{"text": "A. Arts"}],
                                                "qualification": [{"code": {"text": "huisarts"}}],
                                                "telecom": [{"system": "email", "value": "arts@example.org"},
                                                            {"system": "phone", "value": "010-7654321", "use": "work"}]}},
        {"resource": {"resourceType": "MedicationStatement", "status": "active", "informationSource": {"reference": "urn:uuid:gp"},
                      "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "C08CA01"}]}}}]}
    review = mbo.review(bundle, knowledge=mini)
    assert [(p.label, p.contact) for p in review.prescribers] == [("huisarts (A. Arts)", "010-7654321")]


def test_english_reports(shared: object) -> None:
    review = case_review("dementia-anticholinergic", "en")
    letter = _text(mbo.render(review, "html", report="huisarts"))
    assert "Letter to the general practitioner" in letter and "Key points" in letter and "Kernpunten" not in letter
    assert "If … then …" in letter and "Acute plan" in letter
    patient = _text(mbo.render(review, "html", report="patient"))
    assert "My medicines" in patient and "times a day" in patient and "Mijn medicijnen" not in patient
    assert "For the meeting to decide" in _text(mbo.render(review, "html", report="mdb"))
    assert "Asked of you" in mbo.render(review, "md", report="voorschrijver")


def test_per_prescriber_sections_hold_only_their_own_medicines(shared: object) -> None:
    review = case_review("dementia-anticholinergic")
    html = mbo.render(review, "html", report="voorschrijver")
    pages = html.split('<div class="page">')[1:]
    assert len(pages) == len({m.prescriber for m in review.medications})
    for page in pages:
        title = _text(re.search(r"<h1>(.*?)</h1>", page).group(1))  # type: ignore[union-attr]
        table = page.split("Uw voorschriften")[1].split("Ter informatie")[0]
        for m in review.medications:
            assert (f"<strong>{m.name}</strong>" in table) == (m.prescriber == title), (title, m.name)
        asked = page.split("Gevraagd van u")[1].split("Uw voorschriften")[0]
        for f in review.findings:
            assert (f'id="{f.id}"' in asked) == (title in f.prescribers), (title, f.id)


def test_patient_list_is_plain_and_large(shared: object) -> None:
    review = case_review("af-without-anticoagulant")
    html = mbo.render(review, "html", report="patient")
    text = _text(html)
    assert "font: 14pt" in html                                               # large print
    assert "keer per dag" in text and " dd " not in text.split("Hoe en wanneer")[1].split("Vragen?")[0]
    assert "Stop of verander niets zelf" in text and "Misschien een nieuw medicijn" in text
    assert not re.search(r"\bB01[A-Z]", text)                                  # no ATC codes for the patient
    assert "Uw huisarts" in text and "H. Jansen" in text


def test_patient_list_names_conditions_in_lay_words(shared: object) -> None:
    for lang, lay, professional in (("nl", "onregelmatige hartslag (boezemfibrilleren)", "atriumfibrilleren"),
                                    ("en", "irregular heartbeat (atrial fibrillation)", "Atrial fibrillation")):
        review = case_review("af-without-anticoagulant", lang)
        [af] = [c for c in review.conditions if c.concept == "atrial-fibrillation"]
        assert af.lay_name == lay
        for fmt in ("html", "md"):
            patient = mbo.render(review, fmt, report="patient")
            assert lay in patient and professional.lower() not in patient.replace(lay, "").lower(), (lang, fmt)
            assert af.name in mbo.render(review, fmt, report="mdb"), (lang, fmt)  # professionals keep theirs


def test_patient_list_falls_back_to_the_professional_name(mini: Knowledge) -> None:
    review = mbo.review(native([{"atc": "C03CA01"}], conditions=[{"code": "I50", "system": "icd10"}]), knowledge=mini)
    assert [(c.name, c.lay_name) for c in review.conditions] == [("hartfalen", None)]
    assert "| hartfalen |" in mbo.render(review, "md", report="patient")


def test_patient_list_gives_the_time_of_day_in_plain_words(mini: Knowledge) -> None:
    data = native([{"atc": "C08CA01", "dose": "1 dd 1 tablet a.n."}])
    for lang, plain in (("nl", "1 keer per dag 1 tablet (voor de nacht)"), ("en", "once a day 1 tablet (at bedtime)")):
        md = mbo.render(mbo.review(data, knowledge=mini, lang=lang), "md", report="patient")  # type: ignore[arg-type]
        assert plain in md and "a.n." not in md and " dd " not in md, lang


def test_timeline_draws_bars_and_the_cascade_arrow(shared: object) -> None:
    review = case_review("ccb-oedema-diuretic")
    svg = mbo.render_picture(review, "timeline")
    assert svg.startswith("<svg") and svg.count("<rect") == len(review.medications) + sum(bool(c.concept) for c in review.conditions)
    assert svg.count('marker-end="url(#tl-arrow)"') == sum(f.kind == "cascade" for f in review.findings) == 1
    conditions = mbo.render_picture(review, "conditions")
    assert conditions.count('stroke="#7aa7ae"') == sum(len(c.medications) for c in review.conditions)
    with pytest.raises(ValueError):
        mbo.render_picture(review, "histogram")


def test_medicines_and_conditions_are_linked_by_the_indication_knowledge(shared: object) -> None:
    review = case_review("clean-opioid-with-laxative")
    by_name = {m.name: m for m in review.medications}
    conditions = {c.id: c for c in review.conditions}
    assert [conditions[c].concept for c in by_name["oxycodon"].conditions] == ["coxarthrosis"]
    assert by_name["macrogol met elektrolyten"].indicated_with == [by_name["oxycodon"].id]
    for c in review.conditions:
        assert all(c.id in next(m for m in review.medications if m.id == mid).conditions for mid in c.medications)
    assert all(c.onset is not None for c in review.conditions)


def _statin_row(review: Review, report: str) -> str:
    md = mbo.render(review, "md", report=report)
    return next(line for line in md.splitlines() if line.startswith("| **atorvastatine**"))


def test_a_risk_factor_justifies_a_statin_without_being_what_it_is_for(kb: Knowledge) -> None:
    review = mbo.review(native([{"atc": "C10AA05"}], conditions=[{"code": "I10", "system": "icd10"}]), knowledge=kb)
    [statin] = review.medications
    [hypertension] = review.conditions
    assert not any(f.kind == "no-indication" for f in review.findings)  # still explained
    assert (statin.conditions, statin.justified_by) == ([], [hypertension.id]) and hypertension.medications == []
    assert statin.purpose == "ter voorkoming van hart- en vaatziekten"
    row = _statin_row(review, "patient")
    assert "ter voorkoming van hart- en vaatziekten" in row and "bloeddruk" not in row
    assert "ter voorkoming van hart- en vaatziekten (hypertensie)" in _statin_row(review, "voorschrijver")
    assert 'stroke-dasharray="1,2"' in mbo.render_picture(review, "conditions")  # a dotted line, not a treating one
    en = mbo.review(native([{"atc": "C10AA05"}], conditions=[{"code": "I10", "system": "icd10"}]), knowledge=kb, lang="en")
    assert "to prevent heart and blood vessel disease" in mbo.render(en, "md", report="patient")


def test_a_statin_with_heart_disease_names_it(kb: Knowledge) -> None:
    conditions = [{"code": "I10", "system": "icd10"}, {"code": "I25.1", "system": "icd10"}]
    review = mbo.review(native([{"atc": "C10AA05"}], conditions=conditions), knowledge=kb)
    [statin] = [m for m in review.medications if m.atc == "C10AA05"]
    by_concept = {c.concept: c.id for c in review.conditions}
    assert statin.conditions == [by_concept["ischaemic-heart-disease"]]
    assert statin.justified_by == [by_concept["hypertension"]]
    row = _statin_row(review, "patient")
    assert "vernauwde bloedvaten van het hart" in row and "bloeddruk" not in row and "voorkoming" not in row


def test_reports_refuse_formats_that_are_not_documents(mini: Knowledge) -> None:
    review = mbo.review(native([{"atc": "C08CA01"}]), knowledge=mini)
    for fmt in ("json", "text", "fhir"):
        with pytest.raises(ValueError, match="comes as html, pdf, md"):
            mbo.render(review, fmt, report="huisarts")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="unknown report"):
        mbo.render(review, "html", report="brief")


def _hostile(mini: Knowledge, lang: str = "nl") -> Review:
    data = native([{"name": _SCRIPT, "dose": _SCRIPT, "prescriber": "p1"},
                   {"atc": "C08CA01", "start": "2024-02-05", "prescriber": "p1", "dose": "1 dd <b>10</b> mg"},
                   {"atc": "C03CA01", "start": "2024-06-20", "prescriber": "p2"},
                   {"atc": "N02AA05", "status": "stopped", "stop": "2025-01-01", "stop_reason": _SCRIPT}],
                  prescribers=[{"id": "p1", "name": _SCRIPT, "specialty": "huisarts", "contact": _SCRIPT},
                               {"id": "p2", "name": "**vet** [x](http://x)", "specialty": "<i>cardio</i>"}],
                  conditions=[{"text": _SCRIPT, "onset": "2020-01-01"}, {"text": "hypertensie", "onset": "2015-01-01"}])
    data["patient"]["id"] = _SCRIPT  # type: ignore[index]
    return mbo.review(data, knowledge=mini, lang=lang)  # type: ignore[arg-type]


@pytest.mark.parametrize("report", ("review", *REPORTS))
def test_input_text_is_escaped_in_html_and_svg(mini: Knowledge, report: str) -> None:
    for lang in ("nl", "en"):
        html = mbo.render(_hostile(mini, lang), "html", report=report)
        assert "<script" not in html and "<b>10</b>" not in html and "<i>cardio</i>" not in html
        assert "&lt;script&gt;" in html


def test_input_text_is_escaped_in_the_pictures(mini: Knowledge) -> None:
    review = _hostile(mini)
    for name in ("timeline", "conditions"):
        svg = mbo.render_picture(review, name)
        assert "<script" not in svg and "&lt;script&gt;" in svg


@pytest.mark.parametrize("report", ("review", *REPORTS))
def test_input_text_is_escaped_in_markdown(mini: Knowledge, report: str) -> None:
    md = mbo.render(_hostile(mini), "md", report=report)
    assert not re.search(r"(?<!\\)<(script|b>|i>)", md)          # every < of the input is escaped
    assert "\\<script\\>" in md and "**vet**" not in md and "[x](http" not in md
