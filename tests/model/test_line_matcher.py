"""Matching lines with Hyperscan (hltui.model.line_matcher), whole files and in ranges."""

from __future__ import annotations

from array import array
from pathlib import Path

import pytest

import hltui.model.line_matcher as line_matcher
from hltui.model.line_matcher import LineMatcher, line_cuts, matching_places, places_at

pytestmark = pytest.mark.skipif(not line_matcher.available(), reason="no hyperscan here")

LINES = [
    b"a needle here",
    b"",
    b"NeEdLe in mixed case and another needle",
    b"x" * 300 + b"needle at the end of a long line",
    b"nothing",
    b"needle",
    b"a needle-less line? no: nEEDLE",
    b"last line without a newline, needle",
]
TEXT = b"\n".join(LINES)


def line_starts(lines: list[bytes]) -> list[int]:
    starts, position = [], 0
    for line in lines:
        starts.append(position)
        position += len(line) + 1
    return starts


def starts_of_matching(lines: list[bytes], needle: bytes) -> list[int]:
    starts = line_starts(lines)
    return [start for line, start in zip(lines, starts, strict=True) if needle in line.lower()]


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
def test_ranges_cut_at_line_starts_find_each_line_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, every: int, block: int
) -> None:
    monkeypatch.setattr(line_matcher, "READ_BLOCK", block)
    path = tmp_path / "a.jsonl"
    path.write_bytes(TEXT)
    cuts = line_cuts(path, len(TEXT), every)
    assert cuts[0] == 0 and set(cuts) <= set(line_starts(LINES)) and cuts == sorted(set(cuts))
    if every < 50:
        assert len(cuts) > 3
    matcher = LineMatcher([b"needle"])
    found = array("q")
    for start, end in zip(cuts, [*cuts[1:], -1], strict=True):
        found.extend(matcher.line_starts(path, start, end))
    assert list(found) == starts_of_matching(LINES, b"needle")


def test_starts_become_places_among_the_logs_lines() -> None:
    """A start that is no indexed log's (a broken line) has no place; only the first
    `count` starts are looked at (a tailer may be adding one)."""
    offsets = array("q", [10, 20, 35, 50])
    assert list(places_at([0, 10, 15, 35, 50], offsets, 4)) == [0, 2, 3]
    assert list(places_at([10, 35, 50], offsets, 3)) == [0, 2]
    assert list(places_at([], offsets, 4)) == []


def test_files_in_order_scanned_by_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(line_matcher, "RANGE_BYTES", 40)  # many ranges per file
    files, expected = [], []
    for name in ("a", "b", "c"):
        lines = [f"{name} {n} {'needle' if n % 3 == 0 else 'hay'}".encode() for n in range(50)]
        path = tmp_path / f"{name}.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        files.append((path, array("q", line_starts(lines)), len(lines)))
        expected.append(list(range(0, 50, 3)))
    files.append((tmp_path / "gone.jsonl", array("q", [0]), 1))
    expected.append([])
    found = list(matching_places(files, [b"needle"], workers=3))
    assert [path for path, _ in found] == [path for path, _, _ in files]
    assert [list(places) for _, places in found] == expected
    assert list(matching_places(files, [b"needle"], cancelled=lambda: True)) == []
