"""Fixtures and samples shared by the model tests."""

from __future__ import annotations

import pytest

import hltui.model.line_matcher as line_matcher

# Lines to scan: empty, mixed case, two matches, a long one, a last one with no newline.
SCAN_LINES = [
    b"a needle here",
    b"",
    b"NeEdLe in mixed case and another needle",
    b"x" * 300 + b"needle at the end of a long line",
    b"nothing",
    b"needle",
    b"a needle-less line? no: nEEDLE",
    b"last line without a newline, needle",
]
SCAN_TEXT = b"\n".join(SCAN_LINES)


def line_starts(lines: list[bytes]) -> list[int]:
    """Where each of `lines` starts, joined by newlines."""
    starts, position = [], 0
    for line in lines:
        starts.append(position)
        position += len(line) + 1
    return starts


def starts_of_matching(lines: list[bytes], needle: bytes) -> list[int]:
    """Where each of `lines` that holds `needle` (in any case) starts."""
    starts = line_starts(lines)
    return [start for line, start in zip(lines, starts, strict=True) if needle in line.lower()]


@pytest.fixture(params=["hyperscan", "python"])
def scanner(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with Hyperscan matching lines, and again with the Python scan."""
    if request.param == "python":
        monkeypatch.setattr(line_matcher, "hyperscan", None)
    elif not line_matcher.available():
        pytest.skip("no hyperscan here")
    return request.param
