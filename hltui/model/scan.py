"""Case-insensitive scanning of JSONL files for lines that contain a needle.

`matching_lines` reports the offset where each matching line starts, for the lines that
start in a byte range of a file, so a big file can be split into ranges and the ranges
scanned by several processes at once (`scan_in_parallel`), each of which also finds the
places of its hits among the file's logs: matching calls back into Python for every hit,
and with threads those calls queue for the GIL behind the app. Worker processes are
started when a search is about to come (`warm_up`) or on the first big search, and kept
for later ones.
"""

from __future__ import annotations

import bisect
import multiprocessing
import os
import sys
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing import resource_tracker
from pathlib import Path
from typing import BinaryIO

from hltui.model import line_matcher

READ_BLOCK = 4 * 1024 * 1024  # bytes lowercased at a time
SCAN_RANGE = 64 * 1024 * 1024  # bytes of one file a worker scans per task
PARALLEL_MIN = 48 * 1024 * 1024  # below this much text, one process is quicker

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def matching_lines(path: Path, wanted: list[bytes], start: int = 0, end: int = -1) -> array:
    """Where each line of `path` that starts in [start, end) and holds a needle starts.

    `wanted` are lowercase needles; the bytes are lowercased before searching (ASCII case
    folding, as `grep -i` on bytes). `end` -1 means the end of the file. Hyperscan does
    the matching when it is installed (several times faster).
    """
    if line_matcher.available():
        return line_matcher.line_starts_in(path, wanted, start, end)
    found = array("q")
    with open(path, "rb") as handle:
        position = 0
        if start > 0:  # the line running over `start` belongs to the range before
            handle.seek(start - 1)
            position = start - 1 + len(handle.readline())
        if end < 0 or position < end:
            _scan(handle, wanted, position, end, found)
    return found


def _scan(handle: BinaryIO, wanted: list[bytes], position: int, end: int, found: array) -> None:
    """Scan from `position` (a line start, where `handle` is) to the line holding `end`-1."""
    overlap = max(len(needle) for needle in wanted) - 1
    carry = b""
    line_start = position  # where the line that `carry` is in started

    def scan(data: bytes, base: int, stop: int, first_line: int) -> None:
        low = data.lower()
        places: list[int] = []
        for needle in wanted:
            at = low.find(needle, 0, stop)
            while at != -1:
                places.append(at)
                line_end = low.find(b"\n", at, stop)
                if line_end == -1:
                    break
                at = low.find(needle, line_end + 1, stop)
        if len(wanted) > 1:
            places.sort()
        for at in places:
            begin = low.rfind(b"\n", 0, at) + 1
            line = base + begin if begin else first_line
            if not found or found[-1] != line:  # once per line, also across blocks
                found.append(line)

    while True:
        block = handle.read(READ_BLOCK)
        data = carry + block if carry else block
        base = position - len(carry)
        if not block:
            if data:
                scan(data, base, len(data), line_start)
            return
        position += len(block)
        if 0 <= end < position:  # the range ends in this block: finish its last line
            line_end = data.find(b"\n", max(0, end - 1 - base))
            if line_end != -1:
                scan(data, base, line_end + 1, line_start)
                return
        cut = data.rfind(b"\n") + 1
        if cut:
            scan(data, base, cut, line_start)
            carry = data[cut:]
            line_start = base + cut
        else:  # inside one long line: keep an overlap so a match across the edge is found
            scan(data, base, len(data), line_start)
            carry = data[len(data) - overlap :] if overlap else b""


def ranges(size: int) -> list[tuple[int, int]]:
    """A file of `size` bytes cut into ranges of SCAN_RANGE bytes (the last open-ended)."""
    starts = list(range(0, max(size, 1), SCAN_RANGE))
    ends = [*starts[1:], -1]
    return list(zip(starts, ends, strict=True))


def lines_or_nothing(path: Path, wanted: list[bytes], start: int = 0, end: int = -1) -> array:
    """`matching_lines`, or none if the file cannot be read (any more)."""
    try:
        return matching_lines(path, wanted, start, end)
    except OSError:
        return array("q")


def worker_count() -> int:
    """How many processes a big search uses: the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _forget_pool(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def _shared_pool() -> ProcessPoolExecutor | None:
    """The pool of search processes, started on first use; None if they cannot start."""
    global _pool
    with _pool_lock:
        if _pool is None:
            try:
                with _real_stderr():
                    # "spawn": a fresh interpreter, never a fork of an app with threads.
                    context = multiprocessing.get_context("spawn")
                    resource_tracker.ensure_running()
                    _pool = ProcessPoolExecutor(
                        max_workers=worker_count(), mp_context=context, initializer=_quiet
                    )
            except (OSError, ValueError):
                return None
        return _pool


def warm_up() -> bool:
    """Start the search processes now (as a search box opens), so the search that comes
    does not wait for each to start Python and load Hyperscan (0.5-1 s); False when no
    pool would be used or it cannot start."""
    count = worker_count()
    if count < 2:
        return False
    pool = _shared_pool()
    if pool is None:
        return False
    try:
        for _ in range(count):  # one task each: a process is started per waiting task
            pool.submit(_ready)
    except (BrokenProcessPool, RuntimeError):  # broken, or shut down meanwhile
        _forget_pool(pool)
        return False
    return True


def _ready() -> bool:
    """In a worker: load what scanning needs."""
    return line_matcher.available()


@contextmanager
def _real_stderr() -> Iterator[None]:
    """A `sys.stderr` with a file descriptor, while multiprocessing starts its helper.

    A TUI replaces `sys.stderr` by an object without one, and multiprocessing's resource
    tracker passes that descriptor on; the helper gets /dev/null instead.
    """
    saved = sys.stderr
    with open(os.devnull, "w") as devnull:
        sys.stderr = devnull
        try:
            yield
        finally:
            sys.stderr = saved


def _quiet() -> None:
    """In a worker: nothing it might print reaches the terminal the app draws on."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


def places_of(starts: Iterable[int], offsets: array, base: int = 0) -> array:
    """The places (counted from `base`) in `offsets` (ascending line starts of logs) of
    `starts` (ascending); a start that is no log's (a broken line) gives none."""
    places = array("i")
    count = len(offsets)
    place = 0
    bisect_left = bisect.bisect_left
    for start in starts:
        # Where a term is common the next hit is often the next log: try that before
        # bisecting (each look into the array makes an int; a bisect makes about 18).
        if place < count and offsets[place] < start:
            place += 1
            if place < count and offsets[place] < start:
                place = bisect_left(offsets, start, place, count)
        if place < count and offsets[place] == start:
            places.append(base + place)
    return places


def matching_places(
    path: Path, wanted: list[bytes], start: int, end: int, offsets: array, base: int
) -> array:
    """In a worker: the places of the logs whose lines start in [start, end) and hold a
    needle; `offsets` are where those logs start, the first being at place `base`."""
    return places_of(matching_lines(path, wanted, start, end), offsets, base)


def scan_in_parallel(
    files: list[Path],
    wanted: list[bytes],
    logs: list[array],
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[tuple[Path, array]]:
    """For each file (in order), the places in its logs (their line starts are in `logs`)
    of the logs whose lines hold a needle, scanned by a pool of processes in ranges, each
    of which also finds the places of its hits; stops early (cancelling what has not
    started) when `cancelled`. If the pool breaks (a worker killed), the ranges left are
    scanned in this process."""
    pool = _shared_pool()
    if pool is None:
        for path, offsets in zip(files, logs, strict=True):
            yield path, places_of(lines_or_nothing(path, wanted), offsets)
        return
    tasks: list[tuple[Path, list[tuple[Future[array], int, int, array, int]]]] = []
    for path, offsets in zip(files, logs, strict=True):
        try:
            size = path.stat().st_size
        except OSError:  # gone since it was indexed: nothing to find in it
            tasks.append((path, []))
            continue
        parts = []
        for start, end in ranges(size):
            first = bisect.bisect_left(offsets, start)
            last = len(offsets) if end < 0 else bisect.bisect_left(offsets, end, first)
            own = offsets[first:last]  # the logs whose lines start in the range
            task = pool.submit(matching_places, path, wanted, start, end, own, first)
            parts.append((task, start, end, own, first))
        tasks.append((path, parts))
    try:
        for path, parts in tasks:
            places = array("i")
            for part, start, end, own, first in parts:
                if cancelled is not None and cancelled():
                    return
                try:
                    places.extend(part.result())
                except OSError:
                    break
                except BrokenProcessPool:
                    _forget_pool(pool)
                    starts = lines_or_nothing(path, wanted, start, end)
                    places.extend(places_of(starts, own, first))
            yield path, places
    finally:
        for _, parts in tasks:
            for part, *_ in parts:
                part.cancel()
