"""The index cache: what each file gave last time, reused while the file is unchanged.

`<root dir>/.hltui/index-cache.msgpack` (msgpack via msgspec) holds a header (cache
format version, hltui version, resolved root) and one entry per file: its identity
(size, mtime_ns, inode), how far it was read, its problems and every summary it
decoded, as compact arrays in chunks decoded only when the file's turn comes (so the
newest file shows before the rest is decoded). A file whose identity matches its entry
exactly is not read again; a plain JSONL file that only grew is read from where it was
left; every other file is read as usual. A cache that does not decode, whose header does
not match, or one of whose chunks is corrupt is ignored (for that file) and rewritten,
never trusted. Writing it is best effort (a read-only directory
just means no cache).
"""

from __future__ import annotations

import contextlib
import itertools
import mmap
import os
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter, is_
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

import msgspec

import hltui
from hltui.model.problems import Problem, Severity
from hltui.model.sources import UNREADABLE_FILE, FileKind
from hltui.model.summary import LogSummary, _interned

if TYPE_CHECKING:
    from hltui.model.index import FileState, IndexBatch, LogIndex

CACHE_VERSION = 7  # 3: chunks are msgpack bin, skipped unparsed; 4: chunks are columns;
# 5: a blank error is none (it was kept as ""); 6: a number for `created_at` and an agent
# config without `name` or `agent_class` are gaps (the log was dropped, or not reported),
# and NUL bytes near a file's start spoil only their lines (the file was "binary");
# 7: every schema gap of a record, a negative duration among them (the first alone)
CHUNK_ROWS = 5000  # summaries per separately decoded chunk
CACHE_DIR = ".hltui"
CACHE_NAME = "index-cache.msgpack"
DUPLICATE_PREFIX = "duplicate log "


class Repeated(msgspec.Struct, array_like=True, gc=False):
    """A column of strings that repeat (projects, models, session ids): each distinct
    value once, and a little-endian uint16 code per log. Decoding makes no string per
    log and needs no hashing to share them: a `map` over the codes picks the values."""

    values: list[str | None]
    codes: bytes

    @classmethod
    def of(cls, column: list[str | None]) -> Repeated:
        values = list(dict.fromkeys(column))
        code = {value: number for number, value in enumerate(values)}
        codes = array("H", map(code.__getitem__, column))
        if sys.byteorder == "big":
            codes.byteswap()
        return cls(values, codes.tobytes())

    def column(self) -> list[str | None]:
        """The values, one per log, each distinct one interned."""
        codes = array("H")
        codes.frombytes(self.codes)
        if sys.byteorder == "big":
            codes.byteswap()
        values = [None if v is None else _interned.setdefault(v, v) for v in self.values]
        return list(map(values.__getitem__, codes))


class SummaryColumns(msgspec.Struct, array_like=True, gc=False):
    """One chunk of a file's summaries, field by field: LogSummary's fields less `config`,
    `created_at` and `messages` (always None once decoded) and `file` (the file's number,
    given again on reuse). Columns, not rows, so a chunk becomes summaries in C: decoding
    a column, then one `map` over all of them (about 2x faster at 500k logs than a row
    at a time in Python)."""

    id: list[str]
    project: Repeated
    session_id: Repeated
    session_reference_id: Repeated
    parent_id: list[str | None]
    parent_reference_id: list[str | None]
    reference_id: list[str | None]
    error: list[str | None]
    duration: list[float | None]
    feedback: list[tuple[tuple[str, Any], ...] | None]  # (type, value) pairs
    offset: list[int]
    line: list[int]
    time: list[float]
    model: Repeated
    config_type: Repeated


# A problem: file (None: the entry's own file), line, message, severity, unit.
ProblemRow = tuple[str | None, int | None, str, str, str]


class CacheHeader(msgspec.Struct, frozen=True):
    version: int
    hltui: str
    root: str


class CachedFile(msgspec.Struct, array_like=True, gc=False):
    """One file as last read. `complete_only` is the mode it was read in; `whole` says
    its last line ended with a newline (so either mode would have read the same)."""

    path: str
    kind: str
    size: int
    mtime_ns: int
    inode: int
    offset: int
    next_line: int
    complete_only: bool
    whole: bool
    problems: list[ProblemRow]
    # Encoded SummaryColumns of at most CHUNK_ROWS summaries, decoded only when replayed, so
    # the newest file's first logs are shown before the rest of the cache is decoded.
    # Stored as bin (length-prefixed): opening the cache skips them without parsing, and
    # they are views into the mapped file, not copies.
    chunks: list[memoryview]


class CacheFile(msgspec.Struct):
    header: CacheHeader
    files: list[CachedFile]


class _HeaderOnly(msgspec.Struct):
    header: CacheHeader


_header_decoder = msgspec.msgpack.Decoder(_HeaderOnly)
_decoder = msgspec.msgpack.Decoder(CacheFile)
_encoder = msgspec.msgpack.Encoder()
_columns_decoder = msgspec.msgpack.Decoder(SummaryColumns)
_COLUMNS = SummaryColumns.__struct_fields__
_id_of, _offset_of = attrgetter("id"), attrgetter("offset")
# the columns of strings that repeat, stored once per chunk (see `Repeated`)
_REPEATED = ("project", "session_id", "session_reference_id", "model", "config_type")
_PLAIN = tuple(name for name in _COLUMNS if name not in _REPEATED)


def root_dir(root: Path) -> Path:
    """The directory the cache belongs to: the opened directory, or the file's directory."""
    return root if root.is_dir() else root.parent


def cache_path(root: Path) -> Path:
    return root_dir(root) / CACHE_DIR / CACHE_NAME


def header_for(root: Path) -> CacheHeader:
    return CacheHeader(CACHE_VERSION, hltui.__version__, str(root.resolve()))


def read_cache(root: Path) -> dict[str, CachedFile] | None:
    """The cached entries by relative path, or None when there is no usable cache."""
    found = _read_mapped(root)
    return found[0] if found is not None else None


def _read_mapped(root: Path) -> tuple[dict[str, CachedFile], mmap.mmap] | None:
    """The cached entries (their chunks views into the mapped cache file) and the map."""
    try:
        with open(cache_path(root), "rb") as handle:
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # no cache, or an empty file
        return None
    try:
        if _header_decoder.decode(data).header != header_for(root):
            return None
        from hltui.model.index import gc_paused

        with gc_paused():
            cached = _decoder.decode(data)
    except (msgspec.DecodeError, ValueError, TypeError, OverflowError):
        return None
    return {entry.path: entry for entry in cached.files}, data


def release_pages(data: mmap.mmap) -> None:
    """Let the pages of the mapped cache that were read leave this process's memory (the
    kernel keeps them cached; reading them again brings them back)."""
    advice = getattr(mmap, "MADV_DONTNEED", None)
    if advice is not None:
        with contextlib.suppress(OSError, ValueError):
            data.madvise(advice)


def relative_key(path: Path, base: Path) -> str | None:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return None


# -- reuse -------------------------------------------------------------------------------


def reuse_mode(
    entry: CachedFile | None, path: Path, kind: FileKind, complete_only: bool
) -> str | None:
    """How a cached entry can serve a file: "whole" (do not read it), "continue" (read
    only what was appended), or None (read it all)."""
    if entry is None or entry.kind != kind.value:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if any(row[2].startswith(UNREADABLE_FILE) for row in entry.problems):
        return None  # made readable since, perhaps: a chmod leaves size and time as they were
    same_mode = not kind.is_lines or entry.whole or entry.complete_only == complete_only
    if (stat.st_size, stat.st_mtime_ns, stat.st_ino) == (entry.size, entry.mtime_ns, entry.inode):
        if same_mode:
            return "whole"
    elif stat.st_ino != entry.inode or stat.st_size <= entry.size:
        return None
    # Only appended to (or read before up to a last unfinished line): a plain JSONL file
    # read without trouble up to a line end can go on from there.
    if kind is not FileKind.JSONL or not 0 < entry.offset <= stat.st_size:
        return None
    if any(row[1] is None or row[2].startswith("read failed") for row in entry.problems):
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            before = os.pread(fd, 1, entry.offset - 1)
        finally:
            os.close(fd)
    except OSError:
        return None
    return "continue" if before == b"\n" else None


def _problem(row: ProblemRow, path: Path) -> Problem:
    file, line, message, severity, unit = row
    return Problem(path if file is None else Path(file), line, message, Severity(severity), unit)


def replay(
    index: LogIndex,
    state: FileState,
    entry: CachedFile,
    summaries: list[LogSummary],
    batch_size: int,
    span: tuple[int, int] = (0, 0),
) -> Iterator[IndexBatch]:
    """Add a file's cached summaries and problems to the index in their original order,
    through the same duplicate check as reading it would, in batches, their progress
    (bytes of the file done) moving through `span`."""
    path = state.path
    problems_in = [_problem(row, path) for row in entry.problems]
    # where reading goes on from, set before the file's last batch as reading it would
    state.offset = entry.offset
    state.next_line = entry.next_line
    unit = "line" if state.kind.is_lines else "record"
    if problems_in:
        yield from _replay_one_by_one(index, state, summaries, problems_in, batch_size, span, unit)
    else:
        yield from _replay_in_bulk(index, state, summaries, batch_size, span, unit)


def _replay_in_bulk(
    index: LogIndex,
    state: FileState,
    summaries: list[LogSummary],
    batch_size: int,
    span: tuple[int, int],
    unit: str,
) -> Iterator[IndexBatch]:
    """Replay a file with no problems, a batch at a time in C: `setdefault` adds each
    new id (one lookup in the big dict per log) and keeps the first of a duplicate,
    which, in the rare batch that has one, is then reported and dropped."""
    from hltui.model.index import gc_paused

    starts = range(0, len(summaries), batch_size) or range(1)
    for at in starts:
        batch = summaries[at : at + batch_size]
        ids = list(map(_id_of, batch))
        problems: list[Problem] = []
        with gc_paused():
            kept = list(map(index.logs.setdefault, ids, batch))
            if all(map(is_, kept, batch)):  # every id new: the usual case
                state.log_ids.extend(ids)
                state.offsets.extend(map(_offset_of, batch))
            else:  # a duplicate: reported and dropped as when reading the file
                batch = _kept_first(index, state, batch, kept, problems, unit)
        yield index._batch(state, batch, problems, [], _share(span, at + batch_size, summaries))


def _share(span: tuple[int, int], replayed: int, summaries: list[LogSummary]) -> int:
    """The bytes of a file to count as read once `replayed` of its `summaries` are,
    within `span`: progress moves through a big file taken from the cache."""
    start, end = span
    if not summaries or replayed >= len(summaries):
        return end
    return start + (end - start) * replayed // len(summaries)


def _kept_first(
    index: LogIndex,
    state: FileState,
    batch: list[LogSummary],
    kept: list[LogSummary],
    problems: list[Problem],
    unit: str,
) -> list[LogSummary]:
    """The summaries of `batch` the index kept (`kept`: what it holds for each id),
    recorded in the file's state; the others reported as duplicates."""
    fresh: list[LogSummary] = []
    for summary, first in zip(batch, kept, strict=True):
        if summary is first:
            state.log_ids.append(summary.id)
            state.offsets.append(summary.offset)
            fresh.append(summary)
        else:
            index._add(summary, state, problems, unit)  # reports it, keeps the first
    return fresh


def _replay_one_by_one(
    index: LogIndex,
    state: FileState,
    summaries: list[LogSummary],
    problems_in: list[Problem],
    batch_size: int,
    span: tuple[int, int],
    unit: str,
) -> Iterator[IndexBatch]:
    """Replay a file with problems, which interleave with its summaries by line."""
    from hltui.model.index import gc_paused

    # problems with no line come first; the rest interleave with the summaries by line
    p = 0
    logs: list[LogSummary] = []
    problems: list[Problem] = []
    add = index._add
    known = index.logs.setdefault
    log_ids = state.log_ids
    offsets = state.offsets
    with gc_paused():
        for seen, summary in enumerate(summaries, 1):
            line = summary.line
            while p < len(problems_in) and (problems_in[p].line or 0) <= line:
                problems.append(problems_in[p])
                p += 1
            log_id = summary.id
            if known(log_id, summary) is summary:  # a new id (the usual case)
                log_ids.append(log_id)
                offsets.append(summary.offset)
                logs.append(summary)
            else:  # a duplicate: reported and dropped as when reading the file
                add(summary, state, problems, unit)
            if len(logs) >= batch_size:
                yield index._batch(state, logs, problems, [], _share(span, seen, summaries))
                logs, problems = [], []
    problems.extend(problems_in[p:])
    yield index._batch(state, logs, problems, [], span[1])


def decode_summaries(entry: CachedFile, number: int) -> list[LogSummary] | None:
    """The entry's summaries, for file `number`, or None when a chunk is corrupt."""
    summaries: list[LogSummary] = []
    for part in decode_chunks(entry, number):
        if part is None:
            return None
        summaries.extend(part)
    return summaries


def decode_chunks(entry: CachedFile, number: int) -> Iterator[list[LogSummary] | None]:
    """The summaries of each of the entry's chunks in turn, for file `number`; None (and
    no more) for a corrupt chunk.

    Decoded only now, a chunk at a time, each chunk's columns made summaries before the
    next is decoded: columns of a whole big file held at once cost 50 MB, and the holes
    they left kept the process that much bigger.
    """
    from hltui.model.index import gc_paused

    file = itertools.repeat(number)
    for chunk in entry.chunks:
        try:
            with gc_paused():
                columns = _columns_decoder.decode(chunk)
                count = len(columns.id)
                repeated = {name: getattr(columns, name).column() for name in _REPEATED}
                if any(len(getattr(columns, name)) != count for name in _PLAIN) or any(
                    len(column) != count for column in repeated.values()
                ):
                    yield None
                    return
                part = list(
                    map(
                        LogSummary,  # its fields in order
                        columns.id,
                        repeated["project"],
                        repeated["session_id"],
                        repeated["session_reference_id"],
                        columns.parent_id,
                        columns.parent_reference_id,
                        columns.reference_id,
                        columns.error,
                        columns.duration,
                        columns.feedback,
                        repeated["model"],
                        columns.time,
                        repeated["config_type"],
                        file,
                        columns.offset,
                        columns.line,
                    )
                )
        except (msgspec.DecodeError, ValueError, TypeError, OverflowError, IndexError):
            yield None
            return
        yield part


def encode_columns(summaries: list[LogSummary]) -> bytes:
    """One chunk of summaries, encoded as columns."""
    columns = [list(map(attrgetter(name), summaries)) for name in _COLUMNS]
    return _encoder.encode(
        SummaryColumns(
            *(
                Repeated.of(column) if name in _REPEATED else column
                for name, column in zip(_COLUMNS, columns, strict=True)
            )
        )
    )


# -- writing -----------------------------------------------------------------------------


def _ends_with_newline(state: FileState) -> bool:
    """Whether a plain line file was read to its end and that end is a line end."""
    if state.kind is not FileKind.JSONL or state.offset != state.size:
        return False
    if state.size == 0:
        return True
    try:
        fd = os.open(state.path, os.O_RDONLY)
        try:
            return os.pread(fd, 1, state.size - 1) == b"\n"
        finally:
            os.close(fd)
    except OSError:
        return False


def entry_for(
    state: FileState,
    key: str,
    dropped: list[LogSummary],
    complete_only: bool,
    logs: dict[str, LogSummary],
    number: int,
) -> EntryParts:
    """A file's cache entry: every summary it decoded (kept or dropped as a duplicate),
    its chunks encoded only as they are written."""
    kept = [logs[i] for i in state.log_ids if logs.get(i) is not None]
    kept = [s for s in kept if s.file == number]
    summaries = sorted(kept + dropped, key=lambda s: s.line) if dropped else kept
    problems: list[ProblemRow] = [
        (
            None if p.file == state.path else str(p.file),
            p.line,
            p.message,
            p.severity.value,
            p.unit,
        )
        for p in state.problems
        if not (p.severity is Severity.NOTICE and p.message.startswith(DUPLICATE_PREFIX))
    ]
    head = CachedFile(
        key,
        state.kind.value,
        state.size,
        state.mtime_ns,
        state.inode,
        state.offset,
        state.next_line,
        complete_only,
        _ends_with_newline(state),
        problems,
        [],
    )
    starts = range(0, len(summaries), CHUNK_ROWS)
    chunks = (encode_columns(summaries[at : at + CHUNK_ROWS]) for at in starts)
    return EntryParts(head, chunks, len(starts))


class EntryParts(NamedTuple):
    """A cache entry to write: all but its chunks, then its chunks (made or read as they
    are written, so a big file's chunks are never all in memory twice)."""

    head: CachedFile  # with no chunks
    chunks: Iterable[bytes | memoryview]
    count: int

    @classmethod
    def of(cls, entry: CachedFile) -> EntryParts:
        """An entry taken unchanged from the cache read (its chunks views into it)."""
        return cls(msgspec.structs.replace(entry, chunks=[]), entry.chunks, len(entry.chunks))

    def write(self, out: BinaryIO) -> None:
        head = _encoder.encode(self.head)
        if head[-1:] != b"\x90":  # the empty chunk list, last in the array
            raise ValueError("unexpected cache entry encoding")
        out.write(head[:-1] + _array_header(self.count))
        written = 0
        for chunk in self.chunks:
            out.write(_encoder.encode(memoryview(chunk)))  # as msgpack bin
            written += 1
        if written != self.count:
            raise ValueError("cache chunks miscounted")


def write_cache(root: Path, files: Iterable[EntryParts], count: int) -> bool:
    """Write the cache atomically, `count` entries made one at a time by `files` and
    written as they come, chunk by chunk; False (and no error) when it cannot be
    written."""

    def write(out: BinaryIO) -> None:
        # The msgpack of CacheFile(header, files), framed here so entries stream.
        out.write(b"\x82")  # a map of two: "header" and "files"
        out.write(_encoder.encode("header") + _encoder.encode(header_for(root)))
        out.write(_encoder.encode("files") + _array_header(count))
        written = 0
        for entry in files:
            entry.write(out)
            written += 1
        if written != count:
            raise ValueError("cache entries miscounted")

    return write_streamed(cache_path(root), write)


def _array_header(length: int) -> bytes:
    """The msgpack header of an array of `length` items."""
    if length < 16:
        return bytes([0x90 | length])
    if length < 1 << 16:
        return b"\xdc" + length.to_bytes(2, "big")
    return b"\xdd" + length.to_bytes(4, "big")


def write_atomically(target: Path, encode: Callable[[], bytes]) -> bool:
    """Write `encode()` to `target` through a temporary file and a rename (best effort:
    False, and no error, when it cannot be encoded or written)."""
    return write_streamed(target, lambda out: out.write(encode()))


def write_streamed(target: Path, write: Callable[[BinaryIO], object]) -> bool:
    """Let `write` write `target` through a temporary file and a rename (best effort:
    False, and no error, when it cannot be encoded or written)."""
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(exist_ok=True)
        with open(temp, "wb") as out:
            write(out)
        os.replace(temp, target)
    except (OSError, TypeError, ValueError, OverflowError):
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
        return False
    return True


# -- one load ----------------------------------------------------------------------------


class CachedLoad:
    """The cache's part in one `LogIndex.load`: which files to take from it, then saving."""

    def __init__(self, index: LogIndex, complete_only: bool, batch_size: int) -> None:
        self.index = index
        self.complete_only = complete_only
        self.batch_size = batch_size
        self.base = root_dir(index.root)
        found = _read_mapped(index.root)
        self.changed = found is None
        self.entries, self.mapped = found if found is not None else ({}, None)
        # (relative path, file number, the entry when reused unchanged)
        self.kept: list[tuple[str, int, CachedFile | None]] = []
        index._dropped = {}

    def batches(self, path: Path, size: int, fresh: Iterator[IndexBatch]) -> Iterator[IndexBatch]:
        """The batches of one file: from the cache, or `fresh` (reading it) when it changed."""
        key = relative_key(path, self.base)
        if key is None:
            return fresh
        index = self.index
        state = index.state_for(path)
        number = index.file_ids[path]
        entry = self.entries.pop(key, None)
        mode = reuse_mode(entry, path, state.kind, self.complete_only)
        if entry is None or mode is None:
            self._read_again(key, number)
            return fresh
        if mode == "whole":
            return self._whole(key, number, state, entry, size, fresh)
        found = decode_summaries(entry, number)
        self._read_again(key, number)
        if found is None:
            return fresh
        return itertools.chain(replay(index, state, entry, found, self.batch_size), fresh)

    def _read_again(self, key: str, number: int) -> None:
        """Note that a file is (at least partly) read, not taken from the cache."""
        self.changed = True
        self.kept.append((key, number, None))

    def _whole(
        self,
        key: str,
        number: int,
        state: FileState,
        entry: CachedFile,
        size: int,
        fresh: Iterator[IndexBatch],
    ) -> Iterator[IndexBatch]:
        """An unchanged file from the cache: its chunks decoded (the first half of its
        progress, an empty batch per chunk, so a big file does not sit at 0%), then
        replayed (the second half); read afresh instead if a chunk is corrupt."""
        summaries: list[LogSummary] = []
        chunks = len(entry.chunks)
        for done, part in enumerate(decode_chunks(entry, number), 1):
            if part is None:
                self._read_again(key, number)
                yield from fresh
                return
            summaries.extend(part)
            yield self.index._batch(state, [], [], [], size * done // (2 * chunks))
        state.size, state.mtime_ns, state.inode = entry.size, entry.mtime_ns, entry.inode
        self.kept.append((key, number, entry))
        span = (size // 2 if chunks else 0, size)
        yield from self._released_after(
            replay(self.index, state, entry, summaries, self.batch_size, span)
        )

    def _released_after(self, batches: Iterator[IndexBatch]) -> Iterator[IndexBatch]:
        """`batches`, then the cache's pages read for them released: at 500k logs the
        mapped cache would otherwise add 70 MB to the peak memory of a warm open."""
        yield from batches
        if self.mapped is not None:
            release_pages(self.mapped)

    def save(self) -> None:
        """Write the cache back if anything changed (best effort)."""
        index = self.index
        dropped = index._dropped or {}
        index._dropped = None
        if self.entries:  # files that are gone
            self.changed = True
        if not self.changed:
            return
        files = (
            EntryParts.of(entry)
            if entry is not None
            else entry_for(
                index.files[number],
                key,
                dropped.get(number, []),
                self.complete_only,
                index.logs,
                number,
            )
            for key, number, entry in self.kept
        )
        write_cache(index.root, files, len(self.kept))
