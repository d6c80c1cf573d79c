"""The forest preview: the tree's top rows, saved so a warm open draws them at once.

A warm open of 500k logs takes about a second to load their summaries and restore the
forest (`hltui.model.forest_cache`): every log becomes an object. The tree's top rows (a
row per session or standalone log, collapsed) need far less: a time, counts, a project
or model, flags, and where the records their preview texts come from are. This file,
`<root>/.hltui/forest-preview.msgpack`, holds just that, in columns, for each top item
in the forest's order (newest first): read, checked and drawn in tens of milliseconds
whatever the size, while the logs load behind it.

It is trusted only for files that look exactly as when it was written (path, size,
mtime and inode of each, in the same order), of this version, with its digest intact;
the real forest replaces it as soon as it is loaded. Feedback counts are the log files'
own: with journal entries they may differ, so a preview shows none then (`exact_feedback`).
Writing is atomic and best effort.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from itertools import accumulate
from pathlib import Path

import msgspec

import hltui
from hltui.model.cache import CACHE_DIR, root_dir, write_streamed
from hltui.model.forest_cache import (
    FileMark,
    decoded_file,
    files_match,
    fingerprint,
    write_snapshot,
)
from hltui.model.index import LogIndex
from hltui.model.sessions import PREVIEW_LOOKAHEAD, Forest, LogNode
from hltui.model.sources import FileKind, RecordReader
from hltui.model.summary import FeedbackPairs, Preview, decode_preview

PREVIEW_VERSION = 1
PREVIEW_NAME = "forest-preview.msgpack"
SESSION, ORPHAN, CHILDREN = 1, 2, 4  # flags of a top item
FILE_SHIFT = 40  # a record's place: file number << FILE_SHIFT | byte offset
PREVIEW_TEXTS_KEPT = 4096  # previews read for rows drawn, kept


class PreviewColumns(msgspec.Struct, array_like=True, gc=False):
    """The top items of a forest, a column per field (numbers as native arrays' bytes)."""

    version: int
    hltui: str
    root: str
    files: list[FileMark]  # as in the forest cache: what the files looked like
    kinds: list[str]  # each file's FileKind, to read its records again
    flags: bytes  # uint8 per top item: SESSION, ORPHAN, CHILDREN
    times: bytes  # float64 per top item: the (first) log's start; NaN when unknown
    counts: bytes  # int32 per top item: its logs
    errors: bytes  # int32 per top item: its logs with an error
    feedback: bytes  # int32 per top item: its feedback items in the log files
    durations: bytes  # float64 per top item: a standalone log's duration; NaN: none
    labels: list[str | None]  # distinct labels: a session's projects, a log's model
    label_codes: bytes  # uint32 per top item: its label in `labels`
    # Texts of some top items (`Texts`): their places (int32, ascending), where each
    # text ends (int32), then the texts (UTF-8, one after another)
    note_places: bytes  # standalone logs with an error
    note_ends: bytes
    notes: bytes  # their errors
    rated_places: bytes  # standalone logs with feedback
    rated_ends: bytes
    feedback_labels: bytes  # their ratings (or last feedback values)
    reference_places: bytes  # sessions with a reference id
    reference_ends: bytes
    references: bytes  # their first reference ids
    reads: bytes  # uint8 per top item: records its preview text may come from
    places: bytes  # int64 per record read: file number << FILE_SHIFT | offset
    digest: bytes  # of all the above


class TopPreview(msgspec.Struct, frozen=True, gc=False):
    """What the tree's row of one top item shows."""

    is_session: bool
    time: float
    count: int
    errors: int
    feedback: int
    duration: float | None
    orphan: bool
    has_children: bool
    label: str | None  # a session's projects ("a+b"), a log's model (or config type, "?")
    error: str | None  # a standalone log's error
    feedback_label: str | None  # a standalone log's rating (or last feedback value)
    reference: str | None  # a session's first reference id


_encoder = msgspec.msgpack.Encoder()
_SESSION_BIT = bytes(flags & SESSION for flags in range(256))
_decoder = msgspec.msgpack.Decoder(PreviewColumns)


def preview_path(root: Path) -> Path:
    return root_dir(root) / CACHE_DIR / PREVIEW_NAME


def feedback_label(pairs: FeedbackPairs) -> str:
    """The value a log's row shows for its feedback: its last rating, else its last item."""
    ratings = [value for kind, value in pairs if kind == "rating"]
    return str(ratings[-1] if ratings else pairs[-1][1])


def model_label(model: str | None, config_type: str | None) -> str:
    """What a log's row names it by: its model, else its config type; `?` for a model
    config without its model (not "model", read as its name)."""
    kind = config_type if config_type != "model" else None
    return model or kind or "?"


class Texts:
    """Texts of some top items, by place: the places ascending, and where each text ends
    in one string of them all (stored as UTF-8). A lookup is a bisection and a slice;
    nothing is made per item, written or read (91k reference ids as strings of their own
    held 6 MB through a warm open, and as many bytes objects raised a cold open's peak)."""

    def __init__(self, places: bytes = b"", ends: bytes = b"", blob: bytes = b"") -> None:
        """Raises ValueError when the columns do not fit together."""
        self.places = _view("i", places)
        self.ends = _view("i", ends)
        self.text = blob.decode(errors="surrogatepass")
        if len(self.places) != len(self.ends) or (self.ends and self.ends[-1] != len(self.text)):
            raise ValueError("texts and places do not match")
        self._added: tuple[array[int], list[str]] = (array("i"), [])

    def add(self, place: int, text: str) -> None:
        """Add the text of the next place (places ascending), while writing."""
        places, texts = self._added
        places.append(place)
        texts.append(text)

    def columns(self) -> tuple[memoryview, memoryview, bytes]:
        """What was added, as stored: places, where each text ends, the texts."""
        places, texts = self._added
        ends = array("i", accumulate(map(len, texts)))
        return _bytes_of(places), _bytes_of(ends), "".join(texts).encode(errors="surrogatepass")

    def get(self, place: int) -> str | None:
        places = self.places
        at = bisect_left(places, place)
        if at == len(places) or places[at] != place:
            return None
        return self.text[self.ends[at - 1] if at else 0 : self.ends[at]]


def _view(code: str, data: bytes) -> memoryview:
    """`data` as numbers of array type `code`, not copied; ValueError if it does not fit."""
    view = memoryview(data)
    if len(view) % array(code).itemsize:
        raise ValueError("a column cut short")
    return view.cast(code)


def _bytes_of(column: array[int] | array[float]) -> memoryview:
    """An array's bytes, not copied (written as they are)."""
    return memoryview(column).cast("B")


# -- writing -----------------------------------------------------------------------------


def columns_of(index: LogIndex, forest: Forest) -> PreviewColumns | None:
    """The preview of `forest` (of the whole of `index`); None if a file is outside the root."""
    marks = fingerprint(index)
    if marks is None:
        return None
    flags, counts, errors, feedback = array("B"), array("i"), array("i"), array("i")
    times, durations, reads, places = array("d"), array("d"), array("B"), array("q")
    label_code: dict[str | None, int] = {}
    codes = array("I")
    notes, feedback_labels, references = Texts(), Texts(), Texts()
    nan = float("nan")
    for place, item in enumerate(forest.items):
        if isinstance(item, LogNode):
            log = item.log
            flags.append((ORPHAN if item.orphan else 0) | (CHILDREN if item.children else 0))
            times.append(log.time)
            counts.append(1)
            errors.append(log.error is not None)
            pairs = log.feedback or ()
            feedback.append(len(pairs))
            durations.append(nan if log.duration is None else log.duration)
            label: str | None = model_label(log.model, log.config_type)
            if log.error is not None:
                notes.add(place, log.error)
            if pairs:
                feedback_labels.add(place, feedback_label(pairs))
            reads.append(1)
            places.append(log.file << FILE_SHIFT | log.offset)
        else:
            logs = item.logs
            flags.append(SESSION)
            times.append(item.start)
            counts.append(len(logs))
            errors.append(item.error_count)
            feedback.append(sum(len(log.feedback or ()) for log in logs))
            durations.append(nan)
            projects = item.projects
            label = "+".join(projects) if projects else None
            if item.reference_ids:
                references.add(place, item.reference_ids[0])
            first = logs[:PREVIEW_LOOKAHEAD]
            reads.append(len(first))
            places.extend(log.file << FILE_SHIFT | log.offset for log in first)
        codes.append(label_code.setdefault(label, len(label_code)))
    columns = PreviewColumns(
        PREVIEW_VERSION,
        hltui.__version__,
        str(index.root.resolve()),
        marks,
        [state.kind.value for state in index.files],
        *map(_bytes_of, (flags, times, counts, errors, feedback, durations)),
        list(label_code),
        _bytes_of(codes),
        *notes.columns(),
        *feedback_labels.columns(),
        *references.columns(),
        _bytes_of(reads),
        _bytes_of(places),
        b"",
    )
    columns.digest = digest_of(columns)
    return columns


def digest_of(columns: PreviewColumns) -> bytes:
    """What the columns are checked against: a digest of them all but the digest (each
    byte column as it is, with its length; the other fields encoded)."""
    digest = hashlib.blake2b(digest_size=16)
    for value in msgspec.structs.astuple(columns)[:-1]:
        if isinstance(value, bytes | memoryview):
            digest.update(len(value).to_bytes(8, "little"))
            digest.update(value)
        else:
            digest.update(_encoder.encode(value))
    return digest.digest()


def save_preview(index: LogIndex, forest: Forest) -> bool:
    """Write the preview of `forest` atomically, its columns straight from their arrays;
    False (and no error) when it cannot be written."""
    columns = columns_of(index, forest)
    if columns is None:
        return False
    return write_streamed(preview_path(index.root), lambda out: write_snapshot(out, columns))


# -- reading -----------------------------------------------------------------------------


def read_preview(root: Path, paths: list[Path]) -> ForestPreview | None:
    """The saved preview of `root`, if there is one of this version, for exactly `paths`
    as they are on disk, and intact; None otherwise (never an error)."""
    columns = decoded_file(preview_path(root), _decoder)
    if columns is None or (
        columns.version != PREVIEW_VERSION
        or columns.hltui != hltui.__version__
        or columns.root != str(root.resolve())
        or not files_match(columns.files, root, paths)
        or digest_of(columns) != columns.digest
    ):
        return None
    try:
        return ForestPreview(columns, root_dir(root))
    except (ValueError, IndexError):
        return None


class ForestPreview:
    """The top items of a saved forest, for drawing its rows before the logs are loaded."""

    def __init__(self, columns: PreviewColumns, base: Path) -> None:
        """Raises ValueError when the columns do not fit together."""
        self.flags = _view("B", columns.flags)
        self.times = _view("d", columns.times)
        self.counts = _view("i", columns.counts)
        self.errors = _view("i", columns.errors)
        self.feedback = _view("i", columns.feedback)
        self.durations = _view("d", columns.durations)
        self.label_codes = _view("I", columns.label_codes)
        self.labels = columns.labels
        reads = _view("B", columns.reads)
        self.places = _view("q", columns.places)
        size = len(self.flags)
        numbers = (self.times, self.counts, self.errors, self.feedback, self.durations)
        if any(len(column) != size for column in (*numbers, self.label_codes, reads)):
            raise ValueError("columns of different lengths")
        if sum(reads) != len(self.places) or max(self.label_codes, default=0) >= len(self.labels):
            raise ValueError("reads or labels out of range")
        self.read_starts = list(accumulate(reads, initial=0))
        self.notes = Texts(columns.note_places, columns.note_ends, columns.notes)
        self.feedback_labels = Texts(
            columns.rated_places, columns.rated_ends, columns.feedback_labels
        )
        self.references = Texts(
            columns.reference_places, columns.reference_ends, columns.references
        )
        self.paths = [base / mark[0] for mark in columns.files]
        self.kinds = [FileKind(kind) for kind in columns.kinds]
        if len(self.kinds) != len(self.paths) or (
            self.places
            and (min(self.places) < 0 or max(self.places) >> FILE_SHIFT >= len(self.paths))
        ):
            raise ValueError("a record in no file")
        self.session_count = columns.flags.translate(_SESSION_BIT).count(1)
        self.log_count = sum(self.counts)
        self._reader = RecordReader()
        self._texts: dict[int, Preview] = {}

    def __len__(self) -> int:
        return len(self.flags)

    def top(self, place: int) -> TopPreview:
        """What the row of top item number `place` (newest first) shows."""
        flags = self.flags[place]
        duration = self.durations[place]
        return TopPreview(
            bool(flags & SESSION),
            self.times[place],
            self.counts[place],
            self.errors[place],
            self.feedback[place],
            None if duration != duration else duration,  # NaN: none
            bool(flags & ORPHAN),
            bool(flags & (SESSION | CHILDREN)),
            self.labels[self.label_codes[place]],
            self.notes.get(place),
            self.feedback_labels.get(place),
            self.references.get(place),
        )

    def texts(self, place: int) -> list[Preview]:
        """The preview texts of the records a top item's row may show (a session's first
        logs, a log's own), read from their files; empty ones for records unreadable."""
        return [self._text(n) for n in range(self.read_starts[place], self.read_starts[place + 1])]

    def _text(self, number: int) -> Preview:
        cached = self._texts.get(number)
        if cached is not None:
            return cached
        place = self.places[number]
        file, offset = place >> FILE_SHIFT, place & ((1 << FILE_SHIFT) - 1)
        try:
            text = decode_preview(self._reader.read(self.paths[file], self.kinds[file], offset))
        except (OSError, ValueError, IndexError):
            text = Preview()
        if len(self._texts) >= PREVIEW_TEXTS_KEPT:
            self._texts.clear()
        self._texts[number] = text
        return text

    def session_preview(self, place: int) -> str | None:
        """As `Session.preview`: the first user message of its first logs, else its
        first reference id."""
        for text in self.texts(place):
            if text.prompt:
                return text.prompt
        return self.references.get(place)

    def log_preview(self, place: int) -> str | None:
        """What a standalone log's row ends with: its error, else its output or prompt."""
        error = self.notes.get(place)
        if error is not None:
            return error
        texts = self.texts(place)
        return (texts[0].output or texts[0].prompt) if texts else None
