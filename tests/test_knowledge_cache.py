"""The compiled knowledge cache: same content, same result; a damaged cache is passed over."""

from __future__ import annotations

from pathlib import Path

import pytest

from mbo import _knowledge

from conftest import MINI


def test_cache_is_written_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MBO_CACHE_DIR", str(tmp_path))
    first = _knowledge._read_files(MINI, MINI.parent / "cascades")
    cached = list(tmp_path.glob("knowledge-*.json"))
    assert len(cached) == 1 and first[2] in cached[0].name
    assert _knowledge._read_files(MINI, MINI.parent / "cascades") == first


def test_a_damaged_cache_falls_back_to_the_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MBO_CACHE_DIR", str(tmp_path))
    first = _knowledge._read_files(MINI, MINI.parent / "cascades")
    for path in tmp_path.glob("knowledge-*.json"):
        path.write_text("{not json", encoding="utf-8")
    assert _knowledge._read_files(MINI, MINI.parent / "cascades") == first
