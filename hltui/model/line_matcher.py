"""Finding the lines of JSONL files that hold a needle, with Hyperscan.

The needles are compiled into one caseless Hyperscan database (ASCII case folding, as
`grep -i` on bytes) that reports each matching line once, where it ends; the line's
start is then found just before. Files are read in small blocks that stay in the CPU
cache (as grep does), cut at line ends. `hltui.model.scan` uses this for each range of a
file when Hyperscan is installed (`available()`), and its own Python scan otherwise.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

try:  # compiled SIMD matching at grep speed; wheels for Linux, macOS and Windows
    import hyperscan
except ImportError:  # pragma: no cover - depends on the platform
    hyperscan = None

READ_BLOCK = 128 * 1024  # read and matched while still in the CPU cache
CANCEL_CHECK = 64  # blocks between looks at whether the search was cancelled

Cancelled = Callable[[], bool]


_works: bool | None = None  # whether a database compiles here (checked once)


def available() -> bool:
    """Whether Hyperscan can be used on this machine: installed, and able to compile
    for this CPU (it needs SSSE3; without it, the Python scan is used)."""
    global _works
    if hyperscan is None:
        return False
    if _works is None:
        try:
            LineMatcher([b"hltui"])
            _works = True
        except hyperscan.error:
            _works = False
    return _works


def _literal(needle: bytes) -> bytes:
    """A needle as a Hyperscan pattern that matches exactly its bytes."""
    return b"".join(b"\\x%02x" % byte for byte in needle)


class LineMatcher:
    """Needles compiled to match lines holding any of them (case-insensitively), each
    reported once."""

    def __init__(self, wanted: Sequence[bytes]) -> None:
        if hyperscan is None:
            raise RuntimeError("hyperscan is not installed")
        alternatives = b"|".join(_literal(needle) for needle in wanted)
        # `\n` alone, not `(?:\n|\z)`: a third faster (a last line is given a newline)
        expression = b"(?:" + alternatives + rb")[^\n]*\n"
        self.database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self.database.compile(
            expressions=[expression], ids=[0], elements=1, flags=[hyperscan.HS_FLAG_CASELESS]
        )

    def line_starts(
        self, path: Path, start: int = 0, end: int = -1, cancelled: Cancelled | None = None
    ) -> array:
        """Where each matching line in [start, end) of `path` starts (`start` is a line
        start, `end` one too or -1 for the end of the file). Empty when cancelled."""
        starts = array("q")
        add = starts.append
        block = bytearray(READ_BLOCK)
        matched = [block]  # what is being matched: the block, or a last line

        def on_match(_id: int, _from: int, to: int, _flags: int, base: int) -> None:
            # `to` is just past the line's newline, and the line starts in `matched`
            add(base + matched[0].rfind(b"\n", 0, to - 1) + 1)

        scan = self.database.scan
        scratch = hyperscan.Scratch(self.database)
        view = memoryview(block)
        kept = 0  # bytes at the start of `block` of a line not yet ended
        base = start  # the file offset of `block`'s first byte
        left = -1 if end < 0 else end - start
        blocks = 0
        with open(path, "rb", buffering=0) as handle:
            handle.seek(start)
            while left:
                if kept == len(block):  # a line longer than the block: make room
                    view.release()
                    block.extend(bytes(len(block)))
                    view = memoryview(block)
                room = len(block) - kept
                size = handle.readinto(view[kept : kept + (room if left < 0 else min(room, left))])
                if not size:
                    break
                left = left - size if left > 0 else left
                filled = kept + size
                cut = block.rfind(b"\n", kept, filled) + 1  # matched up to the last line end
                if not cut:
                    kept = filled
                    continue
                scan(view[:cut], on_match, context=base, scratch=scratch)
                base += cut
                kept = filled - cut
                if kept:  # copied out first: the two ranges may overlap
                    block[:kept] = bytes(view[cut:filled])
                blocks += 1
                if cancelled is not None and blocks % CANCEL_CHECK == 0 and cancelled():
                    return array("q")
        if kept:  # a last line with no newline: matched as if it had one
            matched[0] = bytearray(view[:kept]) + b"\n"
            scan(matched[0], on_match, context=base, scratch=scratch)
        return starts


@functools.lru_cache(maxsize=4)
def matcher_for(wanted: tuple[bytes, ...]) -> LineMatcher:
    """The compiled matcher of some needles, kept for the next ranges of a search."""
    return LineMatcher(wanted)


def line_starts_in(path: Path, wanted: Sequence[bytes], start: int = 0, end: int = -1) -> array:
    """Where each line of `path` that starts in [start, end) and holds a needle starts
    (`end` -1: the end of the file), as `hltui.model.scan.matching_lines` gives them."""
    with open(path, "rb") as handle:
        first = _line_start_from(handle, start)
        last = -1 if end < 0 else _line_start_from(handle, end)
    if first == -1 or (last != -1 and first >= last):  # no line starts in the range
        return array("q")
    return matcher_for(tuple(wanted)).line_starts(path, first, last)


def _line_start_from(handle: BinaryIO, offset: int) -> int:
    """The first line start at or after `offset` (-1: none before the end of the file)."""
    if offset <= 0:
        return 0
    handle.seek(offset - 1)
    rest = handle.readline()  # the end of the line holding byte `offset` - 1
    if not rest.endswith(b"\n"):
        return -1
    return offset - 1 + len(rest)
