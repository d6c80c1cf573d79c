"""Finding the indexed lines of JSONL files that hold a needle, with Hyperscan.

The needles are compiled into one caseless Hyperscan database (ASCII case folding, as
`grep -i` on bytes) that reports each matching line once, where it ends. Files are read
in small blocks that stay in the CPU cache (as grep does), cut at line ends, and matched
by Hyperscan, which runs with the GIL released, so a few threads scan several ranges of the
files at once. Each line end is then mapped to the indexed log whose line it closes, by
the file's line starts (`FileState.offsets`); a match in a line that is not an indexed
log (a broken line) counts for no log.

When Hyperscan is not installed (`available()` is False), `hltui.model.scan` does the
same in Python.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

try:  # compiled SIMD matching at grep speed; wheels for Linux, macOS and Windows
    import hyperscan
except ImportError:  # pragma: no cover - depends on the platform
    hyperscan = None

READ_BLOCK = 128 * 1024  # read and matched while still in the CPU cache
RANGE_BYTES = 64 * 1024 * 1024  # bytes of a file one task scans
CANCEL_CHECK = 64  # blocks between looks at whether the search was cancelled

Cancelled = Callable[[], bool]


def available() -> bool:
    """Whether Hyperscan can be used on this machine."""
    return hyperscan is not None


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


def line_cuts(path: Path, size: int, every: int | None = None) -> list[int]:
    """Line starts about `every` bytes (RANGE_BYTES) apart, from 0, cutting a file into
    ranges."""
    every = every or RANGE_BYTES
    cuts = [0]
    with open(path, "rb") as handle:
        at = every
        while at < size:
            handle.seek(at - 1)
            rest = handle.readline()  # to the end of the line holding byte `at` - 1
            at += len(rest) - 1
            if at >= size or not rest.endswith(b"\n"):
                break
            cuts.append(at)
            at += every
    return cuts


def places_at(starts: Sequence[int], offsets: Sequence[int], count: int) -> array:
    """The places in `offsets` (ascending; the first `count` are looked at) of `starts`
    (ascending); starts that are not among them (broken lines) are left out."""
    places = array("q")
    add = places.append
    place = 0
    for start in starts:
        place = bisect.bisect_left(offsets, start, place, count)
        if place < count and offsets[place] == start:
            add(place)
    return places


def matching_places(
    files: Sequence[tuple[Path, Sequence[int], int]],
    wanted: Sequence[bytes],
    cancelled: Cancelled | None = None,
    workers: int = 2,
) -> Iterator[tuple[Path, array]]:
    """For each (path, line starts of its logs, how many of them) in order, the places
    among those starts of the lines holding a needle, scanned in ranges by `workers`
    threads (which also map lines to places). Stops when `cancelled`."""
    matcher = LineMatcher(wanted)

    def task(path: Path, start: int, end: int, offsets: Sequence[int], count: int) -> array:
        if cancelled is not None and cancelled():
            return array("q")
        try:
            starts = matcher.line_starts(path, start, end, cancelled)
        except OSError:  # gone or unreadable since it was indexed: nothing to find
            return array("q")
        return places_at(starts, offsets, count)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hltui-search") as pool:
        tasks: list[list[Future[array]]] = []
        try:
            for path, offsets, count in files:
                try:
                    cuts = line_cuts(path, path.stat().st_size)
                except OSError:
                    tasks.append([])
                    continue
                ends = [*cuts[1:], -1]
                tasks.append(
                    [
                        pool.submit(task, path, start, end, offsets, count)
                        for start, end in zip(cuts, ends, strict=True)
                    ]
                )
            for (path, _, _), parts in zip(files, tasks, strict=True):
                places = array("q")
                for part in parts:
                    places.extend(part.result())
                if cancelled is not None and cancelled():
                    return
                yield path, places
        finally:
            for parts in tasks:
                for part in parts:
                    part.cancel()
