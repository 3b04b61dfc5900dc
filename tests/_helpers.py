"""Small builders shared by the tests."""

from __future__ import annotations


def native(meds: list[dict[str, object]], **extra: object) -> dict[str, object]:
    """A native-format patient (80-year-old woman, review date 2026-01-01) with these medicines."""
    data: dict[str, object] = {"patient": {"birth_date": "1945-06-01", "sex": "female"}, "review_date": "2026-01-01",
                               "medications": meds}
    data.update(extra)
    return data
