"""Dosing instructions as written in Dutch and English practice: read, or marked unread, never guessed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mbo._dosage import Dosage, daily_dose_mg, parse_dosage, render_dosage

# text → (administrations per day, dose, dose_high, unit, as_needed, max per day); None where not stated
READ = {
    "1 dd 1": (1, 1, None, None, False, None),
    "2dd1": (2, 1, None, None, False, None),
    "2 d.d. 1": (2, 1, None, None, False, None),
    "1 dd 10 mg": (1, 10, None, "mg", False, None),
    "2 dd 500 mg": (2, 500, None, "mg", False, None),
    "3 dd 1000 mg": (3, 1000, None, "mg", False, None),
    "1 dd 12,5 mg": (1, 12.5, None, "mg", False, None),
    "1 dd 0,125 mg": (1, 0.125, None, "mg", False, None),
    "2 dd 1/2 tablet": (2, 0.5, None, "tablet", False, None),
    "2 dd ½": (2, 0.5, None, None, False, None),
    "1,5 tablet 2 dd": (2, 1.5, None, "tablet", False, None),
    "3 x per dag 2 tabletten": (3, 2, None, "tablet", False, None),
    "3 x daags 1 tablet": (3, 1, None, "tablet", False, None),
    "3x daags 1": (3, 1, None, None, False, None),
    "1 x daags 1 capsule": (1, 1, None, "capsule", False, None),
    "2 maal daags 1 tablet": (2, 1, None, "tablet", False, None),
    "4 maal per dag 5 ml": (4, 5, None, "ml", False, None),
    "een keer per dag 1 capsule": (1, 1, None, "capsule", False, None),
    "tweemaal daags 1": (2, 1, None, None, False, None),
    "driemaal daags 2": (3, 2, None, None, False, None),
    "dagelijks 1 tablet": (1, 1, None, "tablet", False, None),
    "1 dd 1 's ochtends nuchter": (1, 1, None, None, False, None),
    "1 dd 25 mg voor de nacht": (1, 25, None, "mg", False, None),
    "'s avonds 1": (1, 1, None, None, False, None),
    "'s morgens 1 tablet": (1, 1, None, "tablet", False, None),
    "'s morgens en 's avonds 1": (2, 1, None, None, False, None),
    "voor de nacht 1 tablet": (1, 1, None, "tablet", False, None),
    "1x per week 15 mg": (1 / 7, 15, None, "mg", False, None),
    "1 x per week 70 mg": (1 / 7, 70, None, "mg", False, None),
    "eenmaal per week 1 tablet": (1 / 7, 1, None, "tablet", False, None),
    "wekelijks 1 injectie": (1 / 7, 1, None, None, False, None),
    "2 x per week 1 pleister": (2 / 7, 1, None, "pleister", False, None),
    "1 x per maand 1 tablet": (1 / 30, 1, None, "tablet", False, None),
    "om de dag 1": (0.5, 1, None, None, False, None),
    "om de dag 1 tablet 's ochtends": (0.5, 1, None, "tablet", False, None),
    "om de 3 dagen 1 pleister": (1 / 3, 1, None, "pleister", False, None),
    "elke 3 dagen 1 pleister": (1 / 3, 1, None, "pleister", False, None),
    "1 pleister per 72 uur": (1 / 3, 1, None, "pleister", False, None),
    "elke 8 uur 1 tablet": (3, 1, None, "tablet", False, None),
    "2 dd 1-2": (2, 1, 2, None, False, None),
    "1-2 tabletten 3 dd": (3, 1, 2, "tablet", False, None),
    "3 dd 1-2 capsules": (3, 1, 2, "capsule", False, None),
    "4 dd 2 inhalaties": (4, 2, None, "inhalatie", False, None),
    "2 dd 2 pufjes": (2, 2, None, "inhalatie", False, None),
    "2 dd 1 druppel in beide ogen": (2, 1, None, "druppel", False, None),
    "3 dd 20 druppels": (3, 20, None, "druppel", False, None),
    "1 dd 1 sachet": (1, 1, None, "sachet", False, None),
    "1 dd 2 zakjes": (1, 2, None, "sachet", False, None),
    "1 dd 10 IE": (1, 10, None, "IE", False, None),
    "1 dd 400 microgram": (1, 400, None, "microgram", False, None),
    "1 dd 1 g": (1, 1, None, "g", False, None),
    "3 dd 1 zo nodig": (3, 1, None, None, True, None),
    "zo nodig 1 tablet": (None, 1, None, "tablet", True, None),
    "zo nodig max 3 dd 1": (None, None, None, None, True, 3),
    "z.n. 1-2 tabletten, max 6 per dag": (None, 1, 2, "tablet", True, 6),
    "bij pijn 1 tablet, maximaal 4 per dag": (None, 1, None, "tablet", True, 4),
    "zo nodig": (None, None, None, None, True, None),
    "once daily": (1, None, None, None, False, None),
    "1 tablet once daily": (1, 1, None, "tablet", False, None),
    "1 tablet twice daily": (2, 1, None, "tablet", False, None),
    "500 mg bid": (2, 500, None, "mg", False, None),
    "2 tablets tid": (3, 2, None, "tablet", False, None),
    "1 capsule qid": (4, 1, None, "capsule", False, None),
    "3 times a day 2 tablets": (3, 2, None, "tablet", False, None),
    "take 2 tablets by mouth every 12 hours": (2, 2, None, "tablet", False, None),
    "q8h 500 mg": (3, 500, None, "mg", False, None),
    "1 tablet at bedtime": (1, 1, None, "tablet", False, None),
    "once weekly 70 mg": (1 / 7, 70, None, "mg", False, None),
    "every other day 1 tablet": (0.5, 1, None, "tablet", False, None),
    "1 tablet as needed, not more than 4 per day": (None, 1, None, "tablet", True, 4),
}
SCHEDULES = ["volgens schema trombosedienst", "volgens schema", "Volgens voorschrift", "volgens afspraak", "as directed"]
UNREADABLE = ["bij twijfel overleggen", "zie brief specialist", "1 keer per 2 dagen", "nvt", "", "   ", "??", "1/2/3",
              "afbouwen", "taper as instructed"]


@pytest.mark.parametrize("text", READ)
def test_instruction_is_read(text: str) -> None:
    per_day, dose, high, unit, prn, maximum = READ[text]
    d = parse_dosage(text)
    assert d.parsed and not d.schedule
    if per_day is None:
        assert d.frequency is None or d.as_needed
    else:
        assert d.frequency is not None and d.period_days is not None
        assert d.frequency / d.period_days == pytest.approx(per_day)
    assert (d.dose, d.dose_high, d.unit, d.as_needed, d.max_per_day) == (dose, high, unit, prn, maximum)


@pytest.mark.parametrize("text", SCHEDULES)
def test_a_schedule_is_read_as_a_schedule_without_a_dose(text: str) -> None:
    d = parse_dosage(text)
    assert d.parsed and d.schedule and d.dose is None and d.daily_amount is None


@pytest.mark.parametrize("text", UNREADABLE)
def test_unreadable_text_is_kept_and_marked_never_guessed(text: str) -> None:
    d = parse_dosage(text)
    assert not d.parsed and d.text == text and d.dose is None and d.frequency is None
    assert daily_dose_mg(text, "paracetamol 500 mg") is None


@pytest.mark.parametrize("instructions, product, mg", [
    ("2 dd 500 mg", "", 1000), ("3 dd 1 tablet", "ibuprofen 400 mg tablet", 1200),
    ("2 dd 1/2 tablet", "metoprolol 100 mg", 100), ("1x per week 15 mg", "", 15 / 7),
    ("1 dd 1", "Selokeen ZOC 47,5 mg", 47.5), ("2 dd 1", "amoxicilline/clavulaanzuur 500/125 mg", None),
    ("3 dd 1 zo nodig", "paracetamol 500 mg", None), ("1 dd 1 g", "", 1000), ("1 dd 400 microgram", "", 0.4),
    ("4 dd 2 inhalaties", "salbutamol 100 microgram", None),
])
def test_daily_dose_in_mg(instructions: str, product: str, mg: float | None) -> None:
    got = daily_dose_mg(instructions, product)
    assert got == (pytest.approx(mg) if mg is not None else None)


_dosages = st.builds(
    lambda freq, period, unit, dose, high, form, prn: Dosage(
        text="", parsed=True, dose=dose, dose_high=high if high and high > dose else None, unit=form, frequency=freq,
        period=period, period_unit=unit, as_needed=prn),
    st.sampled_from([1.0, 2.0, 3.0, 4.0, 6.0]), st.just(1.0), st.sampled_from(["d", "wk", "mo"]),
    st.sampled_from([0.5, 1.0, 1.5, 2.0, 5.0, 12.5, 40.0, 500.0]), st.sampled_from([None, 2.0, 3.0]),
    st.sampled_from([None, "mg", "g", "microgram", "ml", "tablet", "capsule", "sachet", "druppel", "inhalatie", "IE"]),
    st.booleans(),
) | st.builds(
    lambda every, unit, dose, form: Dosage(text="", parsed=True, dose=dose, unit=form, frequency=1.0, period=every,
                                           period_unit=unit),
    st.sampled_from([2.0, 3.0, 8.0, 12.0, 72.0]), st.sampled_from(["h", "d"]), st.sampled_from([1.0, 2.0, 500.0]),
    st.sampled_from([None, "mg", "tablet", "pleister"]),
)


@given(_dosages, st.sampled_from(["nl", "en"]))
def test_round_trip_through_the_canonical_text(dosage: Dosage, lang: str) -> None:
    again = parse_dosage(render_dosage(dosage, lang))
    assert again.parsed
    assert (again.dose, again.dose_high, again.unit, again.as_needed) == (
        dosage.dose, dosage.dose_high, dosage.unit, dosage.as_needed)
    assert again.frequency / again.period_days == pytest.approx(dosage.frequency / dosage.period_days)  # type: ignore[operator]
