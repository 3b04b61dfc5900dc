"""The public review cases, scored exactly as the maintainers score them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_check_cases_passes(shared: Path) -> None:
    mbo_cmd = f"{sys.executable} -m mbo"
    result = subprocess.run([sys.executable, str(shared / "tools" / "check-cases"), str(shared / "cases"), "--mbo", mbo_cmd],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
