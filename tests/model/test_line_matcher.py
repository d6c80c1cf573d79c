"""Matching lines with Hyperscan (hltui.model.line_matcher), whole files and in ranges."""

from __future__ import annotations

from array import array
from pathlib import Path

import pytest

import hltui.model.line_matcher as line_matcher
import hltui.model.scan as scan
from hltui.model.line_matcher import LineMatcher, line_starts_in
from tests.model.conftest import SCAN_LINES, SCAN_TEXT, line_starts, starts_of_matching

pytestmark = pytest.mark.skipif(not line_matcher.available(), reason="no hyperscan here")

LINES, TEXT = SCAN_LINES, SCAN_TEXT


@pytest.mark.parametrize("block", [5, 16, 64, 1 << 20])
def test_the_start_of_each_matching_line_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """Found wherever the read blocks end, in lines longer than a block and in a last
    line with no newline; a line with two matches is reported once."""
    monkeypatch.setattr(line_matcher, "READ_BLOCK", block)
    path = tmp_path / "a.jsonl"
    expected = starts_of_matching(LINES, b"needle")
    for text in (TEXT, TEXT + b"\n", TEXT + b"\n\n"):
        path.write_bytes(text)
        assert list(LineMatcher([b"needle"]).line_starts(path)) == expected


def test_any_of_several_needles(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(TEXT)
    starts = LineMatcher([b"nothing", b"mixed case"]).line_starts(path)
    assert list(starts) == [line_starts(LINES)[2], line_starts(LINES)[4]]


@pytest.mark.parametrize("every", [1, 7, 50, 301, 10_000])
@pytest.mark.parametrize("block", [5, 1 << 20])
def test_byte_ranges_find_each_line_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, every: int, block: int
) -> None:
    """A line belongs to the range it starts in, wherever the range edges fall."""
    monkeypatch.setattr(line_matcher, "READ_BLOCK", block)
    path = tmp_path / "a.jsonl"
    path.write_bytes(TEXT)
    found = array("q")
    for start in range(0, len(TEXT), every):
        end = start + every if start + every < len(TEXT) else -1
        found.extend(line_starts_in(path, [b"needle"], start, end))
    assert list(found) == starts_of_matching(LINES, b"needle")


def test_a_cancelled_scan_gives_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(line_matcher, "READ_BLOCK", 5)
    monkeypatch.setattr(line_matcher, "CANCEL_CHECK", 1)
    path = tmp_path / "a.jsonl"
    path.write_bytes(TEXT)
    assert list(LineMatcher([b"needle"]).line_starts(path, cancelled=lambda: True)) == []


def test_a_cpu_hyperscan_cannot_compile_for_means_the_python_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Refusing:
        def __init__(self, wanted: object) -> None:
            raise line_matcher.hyperscan.ArchitectureError("no SSSE3")

    monkeypatch.setattr(line_matcher, "_works", None)
    monkeypatch.setattr(line_matcher, "LineMatcher", Refusing)
    assert not line_matcher.available()
    path = tmp_path / "a.jsonl"
    path.write_bytes(TEXT)
    assert list(scan.matching_lines(path, [b"needle"])) == starts_of_matching(LINES, b"needle")
