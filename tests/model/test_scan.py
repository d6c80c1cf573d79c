"""Scanning a file for matching lines, whole or in byte ranges (hltui.model.scan)."""

from __future__ import annotations

import itertools
from array import array
from pathlib import Path

import pytest

import hltui.model.scan as scan
from hltui.model.scan import matching_lines, ranges
from tests.model.conftest import SCAN_LINES, SCAN_TEXT, starts_of_matching

LINES, TEXT = SCAN_LINES, SCAN_TEXT
pytestmark = pytest.mark.usefixtures("scanner")  # each test with both scanners


@pytest.mark.parametrize("block", [5, 16, 64, 1 << 20])
def test_the_start_of_each_matching_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(scan, "READ_BLOCK", block)
    path = tmp_path / "a.jsonl"
    path.write_bytes(TEXT)
    expected = starts_of_matching(LINES, b"needle")
    assert list(matching_lines(path, [b"needle"])) == expected


@pytest.mark.parametrize("size", [1, 7, 50, 301, 10_000])
@pytest.mark.parametrize("block", [5, 64, 1 << 20])
def test_ranges_together_find_each_line_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int, block: int
) -> None:
    """A line belongs to the range it starts in, wherever the range edges fall."""
    monkeypatch.setattr(scan, "READ_BLOCK", block)
    monkeypatch.setattr(scan, "SCAN_RANGE", size)
    path = tmp_path / "a.jsonl"
    path.write_bytes(TEXT)
    found = array("q")
    for start, end in ranges(len(TEXT)):
        found.extend(matching_lines(path, [b"needle"], start, end))
    assert list(found) == starts_of_matching(LINES, b"needle")


def test_ranges_cover_the_file() -> None:
    size = 3 * scan.SCAN_RANGE + 5
    cut = ranges(size)
    assert cut[0][0] == 0 and cut[-1][1] == -1
    assert all(end == nxt for (_, end), (nxt, _) in itertools.pairwise(cut))
    assert ranges(0) == [(0, -1)]


def test_a_file_gone_gives_no_lines(tmp_path: Path) -> None:
    assert list(scan.lines_or_nothing(tmp_path / "gone.jsonl", [b"x"])) == []
