"""Regenerate the report pictures in docs/ from a public case: python docs/make_screenshots.py

Each report is printed to PDF (as a pharmacist would print it) and one page is turned into PNG with pdftoppm.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import mbo

HERE = Path(__file__).resolve().parent
CASES = HERE.parent.parent / "shared" / "cases"
# (picture, case, report, language, page)
SHOTS = [
    ("huisarts.png", "dementia-anticholinergic", "huisarts", "nl", 1),
    ("mdb.png", "dementia-anticholinergic", "mdb", "nl", 1),
    ("mdb-findings.png", "dementia-anticholinergic", "mdb", "nl", 2),
    ("voorschrijver.png", "dementia-anticholinergic", "voorschrijver", "nl", 3),
    ("patient.png", "dementia-anticholinergic", "patient", "nl", 1),
    ("huisarts-en.png", "ccb-oedema-diuretic", "huisarts", "en", 1),
]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        for name, case, report, lang, page in SHOTS:
            review = mbo.review(str(CASES / f"{case}.json"), lang=lang)  # type: ignore[arg-type]
            pdf = Path(tmp) / f"{name}.pdf"
            pdf.write_bytes(mbo.render(review, "pdf", report=report))
            stem = Path(tmp) / name.removesuffix(".png")
            subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                            str(pdf), str(stem)], check=True)
            (HERE / name).write_bytes(stem.with_suffix(".png").read_bytes())
            print(name, (HERE / name).stat().st_size // 1024, "KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
