"""Finding log files and cutting them into raw records, with problems for what is broken.

A raw record is the undecoded bytes of one log plus its place: the 1-based line (JSONL)
or record number (JSON) and where its bytes live, so the full record can be read again
on demand without holding it in memory.
"""

from __future__ import annotations

import codecs
import gzip
import os
import re
import stat
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

import msgspec

from hltui.model.problems import TOO_DEEP, Problem, Severity

NOT_UTF8 = "not valid UTF-8 text"
CHUNK_SIZE = 8 * 1024 * 1024
BOM = b"\xef\xbb\xbf"
SKIPPED_DIRS = frozenset({".hltui", ".git"})
_SPACE = frozenset(b" \t\r\n\x0b\x0c")
BINARY_FILE = "binary file (NUL bytes), not JSON logs"
NOT_REGULAR = "not a regular file (a pipe, socket or device); skipped"
SNIFF_BYTES = 8192
# Where a file's first bytes hold NUL bytes, what says it holds JSON all the same: a line
# starting a JSON object (past NULs a crash may have left), or a document's opening bracket.
_JSON_LINE_START = re.compile(rb'(?:\A|\n)[\x00\s]*\{\s*["}]')
_JSON_DOCUMENT_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*[\[{]")


def looks_binary(head: bytes, *, lines: bool) -> bool:
    """Whether a file's first bytes say it is not JSON: NUL bytes and no JSON in sight.

    A run of NUL bytes is also what a crash (or a power cut) can leave in a log file
    being appended to; such a file is read, and the lines the NULs spoil are reported."""
    if b"\x00" not in head:
        return False
    start = _JSON_LINE_START if lines else _JSON_DOCUMENT_START
    return start.search(head) is None


def nul_run_problem(path: Path, line: int, count: int, *, before_record: bool) -> Problem:
    """The problem of a line holding a run of `count` NUL bytes (skipped)."""
    where = " before its record" if before_record else ""
    return Problem(
        path,
        line,
        f"{count:,} NUL bytes{where} (a crash can leave such a run), skipped",
        Severity.ERROR,
    )


class FileKind(StrEnum):
    """How a file holds its logs."""

    JSONL = "jsonl"
    JSONL_GZ = "jsonl.gz"
    JSON = "json"
    JSON_GZ = "json.gz"

    @property
    def is_lines(self) -> bool:
        return self in (FileKind.JSONL, FileKind.JSONL_GZ)

    @property
    def is_gzip(self) -> bool:
        return self in (FileKind.JSONL_GZ, FileKind.JSON_GZ)


def file_kind(path: Path) -> FileKind | None:
    """The kind of a log file by its name, or None for files that are not logs."""
    name = path.name.lower()
    for suffix, kind in (
        (".jsonl.gz", FileKind.JSONL_GZ),
        (".ndjson.gz", FileKind.JSONL_GZ),
        (".json.gz", FileKind.JSON_GZ),
        (".jsonl", FileKind.JSONL),
        (".ndjson", FileKind.JSONL),
        (".json", FileKind.JSON),
    ):
        if name.endswith(suffix):
            return kind
    return None


def valid_utf8(data: bytes | memoryview) -> bool:
    """Whether `data` is UTF-8 text (checked without decoding when it is plain ASCII)."""
    if isinstance(data, bytes) and data.isascii():
        return True
    try:
        codecs.utf_8_decode(data, "strict", True)
    except UnicodeDecodeError:
        return False
    return True


def sniff_kind(path: Path) -> FileKind:
    """The kind of a file given explicitly whose name says nothing: JSON if it starts with `[`."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096).lstrip(BOM + b" \t\r\n")
    except OSError:
        return FileKind.JSONL
    return FileKind.JSON if head.startswith(b"[") else FileKind.JSONL


UNREADABLE_FOLDER = "cannot read directory"  # how the walk reports a folder it cannot list
UNREADABLE_FILE = "cannot read file"  # how a file that cannot be opened is reported


def find_log_files(root: Path) -> tuple[list[Path], list[Problem]]:
    """Every log file under `root` (or `root` itself), sorted, and problems met on the way.

    Directories are walked recursively, following symlinks but never the same directory
    twice (so a symlink loop does not hang); `.hltui/` and `.git/` are skipped.
    """
    if root.is_file():
        return [root], []
    problems: list[Problem] = []
    found: list[Path] = []
    seen_dirs: set[tuple[int, int]] = set()

    def on_error(error: OSError) -> None:
        where = Path(error.filename) if error.filename else root
        problems.append(Problem(where, None, f"{UNREADABLE_FOLDER}: {error.strerror}"))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=on_error):
        try:
            folder = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        key = (folder.st_dev, folder.st_ino)
        if key in seen_dirs:
            dirnames[:] = []
            continue
        seen_dirs.add(key)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if file_kind(path) is None:
                continue
            if is_special(path):  # reading a pipe would wait for a writer forever
                problems.append(Problem(path, None, NOT_REGULAR))
            elif not path.is_dir():  # (a broken link is reported when read)
                found.append(path)
    return found, problems


def is_special(path: Path) -> bool:
    """Whether `path` is a pipe, socket or device (not a file, folder or broken link)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@dataclass(slots=True)
class RawRecord:
    """The bytes of one record and where they came from.

    For line files `offset`/`length` locate the line in the (decompressed) stream; for
    JSON files `offset` is the 0-based record number and `length` is -1.
    """

    data: bytes | memoryview
    line: int
    offset: int
    length: int


class LineScan:
    """Reads a JSONL file (plain or gzip) from `start`, yielding raw records and problems.

    With `complete_only`, a last line without its newline is left for later (a writer may
    still be writing it) and `end_offset` stops before it.
    """

    def __init__(
        self,
        path: Path,
        kind: FileKind,
        *,
        start: int = 0,
        first_line: int = 1,
        complete_only: bool = False,
    ) -> None:
        self.path = path
        self.kind = kind
        self.start = start
        self.first_line = first_line
        self.complete_only = complete_only
        self.end_offset = start
        self.next_line = first_line

    def _open(self) -> BinaryIO:
        if self.kind.is_gzip:
            return gzip.open(self.path, "rb")  # type: ignore[return-value]
        return open(self.path, "rb")

    def __iter__(self) -> Iterator[RawRecord | Problem]:
        path = self.path
        try:
            handle = self._open()
        except OSError as error:
            yield Problem(path, None, f"{UNREADABLE_FILE}: {error.strerror or error}")
            return
        with handle:
            try:
                yield from self._lines(handle)
            except (OSError, EOFError, zlib.error) as error:
                reason = "invalid gzip stream" if self.kind.is_gzip else "read failed"
                yield Problem(path, self.next_line, f"{reason}: {error}")

    def _lines(self, handle: BinaryIO) -> Iterator[RawRecord | Problem]:
        if self.start:
            handle.seek(self.start)
        pos = self.start
        line_no = self.first_line
        carry = b""
        at_start = self.start == 0
        # gzip: read1 hands over what was decompressed so far, so the lines before a
        # truncated or corrupt part of the stream still load.
        read = handle.read1 if self.kind.is_gzip else handle.read  # type: ignore[attr-defined]
        while True:
            chunk = read(CHUNK_SIZE)
            if not chunk:
                break
            if at_start:
                at_start = False
                if looks_binary(chunk[:SNIFF_BYTES], lines=True):
                    yield Problem(self.path, None, BINARY_FILE)
                    self.end_offset = self.start
                    return
            # The line carried over from the last chunk is completed on its own, and the
            # rest of the chunk read where it is: adding the chunk to the carried line
            # copied every byte once more (0.15 s per 800 MB here).
            if carry:
                cut = chunk.find(b"\n") + 1
                if not cut:  # a line longer than a chunk
                    carry += chunk
                    pos += len(chunk)
                    continue
                parts = ((carry + chunk[:cut], pos - len(carry), 0), (chunk, pos, cut))
            else:
                parts = ((chunk, pos, 0),)
            pos += len(chunk)
            for buf, base, i in parts:
                view = memoryview(buf)
                # Whole lines end at a newline, so no UTF-8 sequence is split: check them
                # at once, and line by line only when something in them is not UTF-8.
                last = buf.rfind(b"\n")
                utf8 = last < i or buf.isascii() or valid_utf8(view[i : last + 1])
                nul = b"\x00" in buf  # (once a chunk: lines are looked at for NULs only then)
                while True:
                    j = buf.find(b"\n", i)
                    if j < 0:
                        break
                    line_start = i + 3 if base + i == 0 and buf.startswith(BOM) else i
                    if j > line_start and (
                        buf[line_start] not in _SPACE or not buf[line_start:j].isspace()
                    ):
                        if nul and buf.find(b"\x00", line_start, j) >= 0:  # a crash's NULs
                            yield from self._past_nuls(view, line_start, j, line_no, base)
                        elif utf8 or valid_utf8(view[line_start:j]):
                            yield RawRecord(view[line_start:j], line_no, base + i, j - i)
                        else:
                            yield Problem(self.path, line_no, NOT_UTF8)
                    line_no += 1
                    i = j + 1
                    self.next_line = line_no
                    self.end_offset = base + i
                carry = buf[i:]
        if carry:
            if self.complete_only:
                return
            skip = 3 if pos - len(carry) == 0 and carry.startswith(BOM) else 0
            if carry[skip:] and not carry[skip:].isspace():
                if b"\x00" in carry:
                    base = pos - len(carry)
                    yield from self._past_nuls(memoryview(carry), skip, len(carry), line_no, base)
                elif valid_utf8(carry[skip:]):
                    yield RawRecord(carry[skip:], line_no, pos - len(carry), len(carry))
                else:
                    yield Problem(self.path, line_no, NOT_UTF8)
            # Still line `line_no`: a newline written after it ends this line (read
            # from here on, it is a blank line of that number), and the next is + 1.
            self.next_line = line_no
            self.end_offset = pos

    def _past_nuls(
        self, view: memoryview, start: int, end: int, line_no: int, base: int
    ) -> Iterator[RawRecord | Problem]:
        """A line holding NUL bytes, as a crash leaves them: a record cut off (if any),
        then the run, then what the app went on writing. The line is reported, and the
        record after the last run is read from where it starts (it was lost with the
        torn one before it)."""
        line = bytes(view[start:end])
        last = line.rfind(b"\x00")
        torn = line[: last + 1].rstrip(b"\x00")
        skipped = last + 1 - len(torn)
        rest = line[last + 1 :]
        wanted = bool(rest.strip())
        if torn.strip(b"\x00").strip() and rest.lstrip()[:1] != b"{":
            # NULs inside a record, not a record after them: the line, as it is
            if valid_utf8(line):
                yield RawRecord(view[start:end], line_no, base + start, end - start)
            else:
                yield Problem(self.path, line_no, NOT_UTF8)
            return
        if torn.strip(b"\x00").strip():
            read = ", the record after it read" if wanted else ""
            yield Problem(
                self.path,
                line_no,
                f"a record cut off, then {skipped:,} NUL bytes (a crash can leave them){read}",
            )
        else:
            yield nul_run_problem(self.path, line_no, last + 1, before_record=wanted)
        if not wanted:
            return
        at = start + last + 1
        if valid_utf8(rest):
            yield RawRecord(view[at:end], line_no, base + at, end - at)
        else:
            yield Problem(self.path, line_no, NOT_UTF8)


class _JsonShape(msgspec.Struct):
    records: list[msgspec.Raw] | None = None


def split_json_document(path: Path, data: bytes) -> tuple[list[msgspec.Raw], list[Problem]]:
    """The records of a JSON document: one object, an array, or an API page."""
    data = data.removeprefix(BOM)
    head = data.lstrip()[:1]
    try:
        if head == b"[":
            return msgspec.json.decode(data, type=list[msgspec.Raw]), []
        if head == b"{":
            top = msgspec.json.decode(data, type=dict[str, msgspec.Raw])
            if "records" in top and "id" not in top:
                records = msgspec.json.decode(top["records"], type=list[msgspec.Raw] | None)
                return records or [], []
            return [msgspec.Raw(data.strip())], []
        if not head:
            return [], [Problem(path, None, "empty file")]
        return [], [Problem(path, None, "not a JSON object or array of log records")]
    except msgspec.ValidationError:  # a subclass of DecodeError: catch it first
        return [], [Problem(path, None, "`records` is not an array of log records")]
    except msgspec.DecodeError as error:
        return [], [Problem(path, None, f"not valid JSON ({plain_decode_error(error)})")]
    except RecursionError:  # msgspec's own limit on nesting
        return [], [Problem(path, None, TOO_DEEP)]


def read_bytes(path: Path, kind: FileKind) -> bytes:
    """The whole (decompressed) content of a file."""
    if kind.is_gzip:
        with gzip.open(path, "rb") as handle:
            return handle.read()
    return path.read_bytes()


def read_gzip_prefix(path: Path) -> bytes:
    """The decompressed content of a gzip file as far as it goes: one cut short, or still
    being written, ends where its stream does (the line scan reads no further)."""
    data = path.read_bytes()
    parts: list[bytes] = []
    while data:  # member by member (gzip files may be concatenated)
        stream = zlib.decompressobj(wbits=31)  # a gzip header and trailer
        try:
            parts.append(stream.decompress(data))
        except zlib.error:
            break
        if not stream.eof:  # cut short: all it held is out
            break
        data = stream.unused_data
    return b"".join(parts)


def scan_json(path: Path, kind: FileKind) -> Iterator[RawRecord | Problem]:
    """Raw records of a JSON (or JSON.gz) document, numbered from 1."""
    try:
        data = read_bytes(path, kind)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        yield Problem(path, None, f"invalid gzip stream: {error}")
        return
    except OSError as error:
        yield Problem(path, None, f"{UNREADABLE_FILE}: {error.strerror or error}")
        return
    if looks_binary(data[:SNIFF_BYTES], lines=False):
        yield Problem(path, None, BINARY_FILE)
        return
    records, problems = split_json_document(path, data)
    yield from problems
    utf8 = data.isascii() or valid_utf8(data)
    for number, raw in enumerate(records):
        record = bytes(raw)
        if utf8 or valid_utf8(record):
            yield RawRecord(record, number + 1, number, -1)
        else:
            yield Problem(path, number + 1, NOT_UTF8, unit="record")


def plain_decode_error(error: msgspec.DecodeError) -> str:
    """A short reason for a JSON syntax error."""
    text = str(error)
    if "truncated" in text:
        return "truncated"
    return text.removeprefix("JSON is malformed: ")


class RecordReader:
    """Reads one record's bytes again on demand, caching decompressed and JSON files."""

    def __init__(self, cache_files: int = 4) -> None:
        self._cache: OrderedDict[Path, bytes | list[msgspec.Raw]] = OrderedDict()
        self._cache_files = cache_files

    def forget(self, path: Path) -> None:
        self._cache.pop(path, None)

    def _cached(self, path: Path, kind: FileKind) -> bytes | list[msgspec.Raw]:
        if path in self._cache:
            self._cache.move_to_end(path)
            return self._cache[path]
        try:
            # a `.jsonl.gz` as far as it goes: its records there were indexed
            data = read_gzip_prefix(path) if kind.is_lines else read_bytes(path, kind)
        except (EOFError, zlib.error, gzip.BadGzipFile) as error:  # a `.json.gz` cut short
            raise OSError(f"cannot read {path.name}: {error}") from None
        value: bytes | list[msgspec.Raw]
        value = data if kind.is_lines else split_json_document(path, data)[0]
        self._cache[path] = value
        while len(self._cache) > self._cache_files:
            self._cache.popitem(last=False)
        return value

    def read(self, path: Path, kind: FileKind, offset: int) -> bytes:
        """The bytes of the record at `offset` (see RawRecord), BOM and line end removed.

        A line is read up to its newline, so the index need not store its length.
        """
        if kind is FileKind.JSONL:
            data = read_line_at(path, offset)
        elif kind.is_lines:
            whole = self._cached(path, kind)
            end = whole.find(b"\n", offset)  # type: ignore[union-attr,arg-type]
            data = whole[offset : end if end >= 0 else len(whole)]  # type: ignore[assignment]
        else:
            records = self._cached(path, kind)
            if offset >= len(records):
                raise OSError(f"record {offset + 1} is no longer in {path}")
            return bytes(records[offset])
        if offset == 0:
            data = data.removeprefix(BOM)
        return data.rstrip(b"\r\n")


def read_line_at(path: Path, offset: int, first_read: int = 16384) -> bytes:
    """The line starting at `offset` in a plain file, without its newline."""
    fd = os.open(path, os.O_RDONLY)
    try:
        parts: list[bytes] = []
        size = first_read
        while True:
            chunk = os.pread(fd, size, offset)
            end = chunk.find(b"\n")
            if end >= 0:
                parts.append(chunk[:end])
                break
            parts.append(chunk)
            if len(chunk) < size:
                break
            offset += len(chunk)
            size *= 2
        return b"".join(parts)
    finally:
        os.close(fd)
