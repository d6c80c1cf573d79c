"""LogIndex: one compact summary per log and where its bytes live; full records on demand."""

from __future__ import annotations

import bisect
import gc
import itertools
import os
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hltui.model.problems import Problem, Severity
from hltui.model.sources import (
    FileKind,
    LineScan,
    RawRecord,
    RecordReader,
    file_kind,
    find_log_files,
    scan_json,
    sniff_kind,
)
from hltui.model.summary import (
    LogSummary,
    Preview,
    SummaryError,
    decode_preview,
    decode_summary,
)

if TYPE_CHECKING:
    from hltui.model.columns import FilterColumns
    from hltui.model.records import LogResponse

BATCH_SIZE = 5000
RECORD_CACHE_SIZE = 256
PREVIEW_CACHE_SIZE = 20_000


@dataclass(slots=True)
class FileState:
    """A log file as last read: identity, how far it was read, and what it gave."""

    path: Path
    kind: FileKind
    size: int = 0
    mtime_ns: int = 0
    inode: int = 0
    offset: int = 0
    next_line: int = 1
    log_ids: list[str] = field(default_factory=list)
    # Where each of `log_ids` starts (its line's offset, or its record number), in step.
    offsets: array[int] = field(default_factory=lambda: array("q"))
    problems: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class IndexBatch:
    """Logs and problems added by one step of loading, with progress so far."""

    logs: list[LogSummary]
    problems: list[Problem]
    bytes_done: int = 0
    bytes_total: int = 0
    files_done: int = 0
    files_total: int = 0
    removed: list[str] = field(default_factory=list)
    is_last: bool = False  # the closing batch of a load: every file is read

    @property
    def fraction(self) -> float:
        return self.bytes_done / self.bytes_total if self.bytes_total else 1.0


@contextmanager
def gc_paused() -> Iterator[None]:
    """Turn the cyclic GC off around bulk work over summaries (which hold no cycles).

    Decoding runs 2-3x faster; and a collection that meets a young list of every log
    (a filter's snapshot of the index, a search's hits) reads the header of each of them
    (hundreds of ms at 500k), so filters and searches run with it off too. Also usable
    as a decorator.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class LogIndex:
    """Every log under a root, as summaries in load order, with lookups by id."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[FileState] = []
        self.file_ids: dict[Path, int] = {}
        self.logs: dict[str, LogSummary] = {}
        self.walk_problems: list[Problem] = []
        self.paths: list[Path] = []  # the files the last load read, in its order
        self._reader = RecordReader()
        self._records: OrderedDict[str, LogResponse] = OrderedDict()
        self._previews: dict[str, Preview] = {}
        # while loading with the cache: summaries dropped as duplicates, by file number
        self._dropped: dict[int, list[LogSummary]] | None = None
        # the files holding a copy of a log dropped as a duplicate, by the log's id: read
        # again when the copy kept goes away, so the log stays (rare: a small dict)
        self.copies_dropped: dict[str, set[int]] = {}
        # Counts removals: a log's position in `logs` holds until the next one.
        self.generation = 0
        # `file_starts` as last worked out, for (generation, number of logs) then: logs
        # are only added (the count grows) or removed (the generation grows)
        self._starts: tuple[tuple[int, int], list[int] | None] | None = None
        self.columns: FilterColumns | None = None  # kept by `columns.filter_columns`

    # -- loading -------------------------------------------------------------------------

    @property
    def problems(self) -> list[Problem]:
        """All problems, directory walk first, then by file."""
        found = list(self.walk_problems)
        for state in self.files:
            found.extend(state.problems)
        return found

    @property
    def error_count(self) -> int:
        return sum(1 for p in self.problems if p.severity is Severity.ERROR)

    def discover(self) -> list[Path]:
        """The log files under the root, newest first, so the first batches are recent."""
        paths, self.walk_problems = find_log_files(self.root)

        def modified(path: Path) -> float:
            try:
                return -path.stat().st_mtime
            except OSError:
                return 0.0

        return sorted(paths, key=modified)

    def load(
        self,
        on_batch: Callable[[IndexBatch], None] | None = None,
        batch_size: int = BATCH_SIZE,
        *,
        complete_only: bool = False,
        use_cache: bool = True,
        paths: list[Path] | None = None,
    ) -> LogIndex:
        """Read every file under the root, calling `on_batch` as logs come in.

        With `complete_only` (when the files will be tailed), a last line without its
        newline is left for the tailer instead of being read (or reported) now. With
        `use_cache`, files unchanged since the index cache was written are taken from
        it instead of being read (see `hltui.model.cache`), and the cache is updated.
        """
        if use_cache and not self.files:
            from hltui.model.cache import CachedLoad

            cached: CachedLoad | None = CachedLoad(self, complete_only, batch_size)
        else:
            cached = None
        paths = self.paths = paths if paths is not None else self.discover()
        sizes = []
        for path in paths:
            try:
                sizes.append(path.stat().st_size)
            except OSError:
                sizes.append(0)
        total = sum(sizes)
        done = 0
        for number, (path, size) in enumerate(zip(paths, sizes, strict=True), 1):
            batches = self.read_file(path, batch_size=batch_size, complete_only=complete_only)
            if cached is not None:
                batches = cached.batches(path, size, batches)
            for batch in batches:
                batch.bytes_done = done + batch.bytes_done
                batch.bytes_total = total
                batch.files_done = number - 1
                batch.files_total = len(paths)
                if on_batch:
                    on_batch(batch)
            done += size
        self.share_parent_ids()
        if on_batch:
            on_batch(IndexBatch([], [], total, total, len(paths), len(paths), is_last=True))
        if cached is not None:
            cached.save()
        return self

    def share_parent_ids(self) -> None:
        """Point each `parent_id` at its parent's own id string, so each id is held once."""
        logs = self.logs
        for summary in logs.values():
            parent_id = summary.parent_id
            if parent_id is not None:
                parent = logs.get(parent_id)
                if parent is not None:
                    summary.parent_id = parent.id

    def state_for(self, path: Path) -> FileState:
        """The state of a file, created on first sight."""
        number = self.file_ids.get(path)
        if number is None:
            kind = file_kind(path) or sniff_kind(path)
            number = len(self.files)
            self.files.append(FileState(path, kind))
            self.file_ids[path] = number
        return self.files[number]

    def read_file(
        self, path: Path, *, complete_only: bool = False, batch_size: int = BATCH_SIZE
    ) -> Iterator[IndexBatch]:
        """Read a file from where it was last read to its end, in batches.

        Line files continue from their offset (new lines only); JSON files are read whole,
        replacing what they gave before.
        """
        state = self.state_for(path)
        removed: list[str] = []
        if not state.kind.is_lines:
            removed = self.forget_file(path, keep_state=True)
        elif state.offset == 0 and not state.log_ids:
            # read from its start again with nothing taken from it (binary, unreadable):
            # what the last read reported is reported anew, or is gone (fixed since)
            state.problems = []
        try:
            stat = path.stat()
            state.size, state.mtime_ns, state.inode = stat.st_size, stat.st_mtime_ns, stat.st_ino
        except OSError:
            pass
        if state.kind.is_lines:
            scan = LineScan(
                path,
                state.kind,
                start=state.offset,
                first_line=state.next_line,
                complete_only=complete_only,
            )
            items: Iterable[RawRecord | Problem] = scan
        else:
            scan = None
            items = scan_json(path, state.kind)
        number = self.file_ids[path]
        logs: list[LogSummary] = []
        problems: list[Problem] = []
        unit = "line" if state.kind.is_lines else "record"
        start_offset = state.offset
        gaps: list[str] = []
        with gc_paused():
            for item in items:
                if isinstance(item, Problem):
                    problems.append(item)
                    continue
                try:
                    summary = decode_summary(
                        item.data, file=number, offset=item.offset, line=item.line, gaps=gaps
                    )
                except SummaryError as error:
                    problems.append(Problem(path, item.line, str(error), unit=unit))
                    gaps.clear()
                    continue
                if gaps:  # kept, and reported: it does not fit the schema
                    problems.extend(Problem(path, item.line, gap, unit=unit) for gap in gaps)
                    gaps.clear()
                if self._add(summary, state, problems, unit):
                    logs.append(summary)
                if len(logs) >= batch_size:
                    # gzip offsets count decompressed bytes: never report more than the file
                    done = min(item.offset - start_offset, state.size) if scan else 0
                    yield self._batch(state, logs, problems, removed, done)
                    logs, problems, removed = [], [], []
        if scan is not None:
            state.offset = scan.end_offset
            state.next_line = scan.next_line
        yield self._batch(state, logs, problems, removed, state.size)

    def _batch(
        self,
        state: FileState,
        logs: list[LogSummary],
        problems: list[Problem],
        removed: list[str],
        done: int,
    ) -> IndexBatch:
        state.problems.extend(problems)
        return IndexBatch(logs, problems, bytes_done=done, removed=removed)

    def _add(
        self, summary: LogSummary, state: FileState, problems: list[Problem], unit: str
    ) -> bool:
        existing = self.logs.get(summary.id)
        if existing is not None:
            problems.append(
                Problem(
                    state.path, summary.line, self.duplicate_notice(existing), Severity.NOTICE, unit
                )
            )
            self.copies_dropped.setdefault(summary.id, set()).add(summary.file)
            if self._dropped is not None:
                self._dropped.setdefault(summary.file, []).append(summary)
            return False
        self.logs[summary.id] = summary
        state.log_ids.append(summary.id)
        state.offsets.append(summary.offset)
        return True

    def forget_file(self, path: Path, *, keep_state: bool = False) -> list[str]:
        """Drop a file's logs and problems (deleted or about to be re-read whole)."""
        number = self.file_ids.get(path)
        if number is None:
            return []
        state = self.files[number]
        removed = []
        for log_id in state.log_ids:
            summary = self.logs.get(log_id)
            if summary is not None and summary.file == number:
                del self.logs[log_id]
                self._records.pop(log_id, None)
                self._previews.pop(log_id, None)
                removed.append(log_id)
        if removed:
            self.generation += 1
        state.log_ids = []
        state.offsets = array("q")
        state.problems = []
        state.offset = 0
        state.next_line = 1
        self._reader.forget(path)
        if not keep_state:
            state.size = state.mtime_ns = state.inode = 0
        return removed

    # -- lookups -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.logs)

    def __contains__(self, log_id: object) -> bool:
        return log_id in self.logs

    def summary(self, log_id: str) -> LogSummary:
        return self.logs[log_id]

    def file_of(self, summary: LogSummary) -> FileState:
        return self.files[summary.file]

    def duplicate_notice(self, kept: LogSummary) -> str:
        """What a copy of log `kept` (dropped as a duplicate) is reported with."""
        return f"duplicate log {kept.id} (first read from {self.place(kept)}); kept the first"

    def place(self, summary: LogSummary) -> str:
        """Where a log was read from, e.g. `support/2024-06-01.jsonl:12`."""
        state = self.files[summary.file]
        unit = "line" if state.kind.is_lines else "record"
        problem = Problem(state.path, summary.line, "", unit=unit)
        return problem.place(self.root)

    def raw_bytes(self, log_id: str) -> bytes:
        """The record's bytes exactly as stored (read again from its file)."""
        summary = self.logs[log_id]
        state = self.files[summary.file]
        return self._reader.read(state.path, state.kind, summary.offset)

    def preview(self, log_id: str) -> Preview:
        """One-line texts of a log for labels (first user message, output), cached."""
        cached = self._previews.get(log_id)
        if cached is not None:
            return cached
        try:
            preview = decode_preview(self.raw_bytes(log_id))
        except (OSError, KeyError):
            preview = Preview()
        if len(self._previews) >= PREVIEW_CACHE_SIZE:
            self._previews.pop(next(iter(self._previews)))
        self._previews[log_id] = preview
        return preview

    def record(self, log_id: str) -> LogResponse:
        """The full typed record, decoded on demand and cached; raises RecordError if unfit."""
        cached = self._records.get(log_id)
        if cached is not None:
            self._records.move_to_end(log_id)
            return cached
        from hltui.model.records import parse_log

        record = parse_log(self.raw_bytes(log_id))
        self._records[log_id] = record
        while len(self._records) > RECORD_CACHE_SIZE:
            self._records.popitem(last=False)
        return record

    def file_starts(self) -> list[int] | None:
        """The position in `logs` of each file's first log, when `logs` holds them file
        by file (as after a load); None when it does not (a tailer added some since).

        Checking that order reads every id (0.1 s at 500k logs), so the answer is kept
        until a log is added or removed.
        """
        state_now = (self.generation, len(self.logs))
        known = self._starts
        if known is not None and known[0] == state_now:
            return None if known[1] is None else list(known[1])
        starts = self._file_starts()
        if state_now == (self.generation, len(self.logs)):  # not changed meanwhile
            self._starts = (state_now, starts)
        return None if starts is None else list(starts)

    def _file_starts(self) -> list[int] | None:
        starts: list[int] = []
        total = 0
        for state in self.files:
            starts.append(total)
            total += len(state.log_ids)
        in_file_order = itertools.chain.from_iterable(state.log_ids for state in self.files)
        try:
            if total != len(self.logs) or any(
                a is not b and a != b for a, b in zip(self.logs, in_file_order, strict=False)
            ):
                return None
        except RuntimeError:  # a tailer (another thread) added logs meanwhile
            return None
        return starts

    def positions(self) -> Positions | None:
        """The logs' positions as they are now, to look up later (see `Positions`);
        None when `logs` does not hold them file by file."""
        starts = self.file_starts()
        if starts is None:
            return None
        counts = [len(state.log_ids) for state in self.files]
        return Positions(self, starts, counts, self.generation)

    def position_finder(self) -> Callable[[LogSummary], int] | None:
        """How to find a log's position in `logs` without a dict of every log.

        After a load, logs are in `logs` file by file, so a position is the count of the
        files before plus the log's place in its own file (found by its offset); a
        finder raises KeyError for a log that is not where the index has it. None when
        the logs are not in that order (a tailer added some after the load).
        """
        positions = self.positions()
        if positions is None:
            return None

        def position(log: LogSummary) -> int:
            at = positions.of(log)
            if at is None:
                raise KeyError(log.id)
            return at

        return position

    def file_size_total(self) -> int:
        return sum(state.size for state in self.files)

    def log_file_count(self) -> int:
        return sum(1 for state in self.files if state.log_ids or state.problems)


@dataclass(slots=True, frozen=True)
class Positions:
    """Where each log of an index in file order was when this was made: its file's
    start, then its place there by offset. Logs added later have none; positions hold
    while no log is removed (`fits`)."""

    index: LogIndex
    starts: list[int]  # the position of each file's first log
    counts: list[int]  # how many logs each file had
    generation: int

    def fits(self) -> bool:
        """Whether positions still mean what they did (no log was removed since)."""
        return self.index.generation == self.generation

    def of(self, log: LogSummary) -> int | None:
        """The log's position then, or None (added since, or not the index's)."""
        file = log.file
        if file >= len(self.counts):
            return None
        state = self.index.files[file]
        known = min(self.counts[file], len(state.log_ids), len(state.offsets))
        place = bisect.bisect_left(state.offsets, log.offset, 0, known)
        if place >= known or state.log_ids[place] != log.id:
            return None
        return self.starts[file] + place


def open_index(root: Path, on_batch: Callable[[IndexBatch], None] | None = None) -> LogIndex:
    """Build the index of every log under `root`."""
    return LogIndex(root).load(on_batch)


def file_identity(path: Path) -> tuple[int, int, int] | None:
    """(size, mtime_ns, inode) of a file, or None if it is gone."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns, stat.st_ino
