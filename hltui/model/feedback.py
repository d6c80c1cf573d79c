"""The feedback journal: edits appended to `.hltui/feedback.jsonl`, merged with the logs.

hltui never rewrites log files. Feedback given in hltui is appended to a journal, one JSON
object per line: a Feedback record (`type`, `value`, `data_id`, `user`, `created_at`, `id`)
plus `"edit": "add" | "change" | "delete"` (a delete line may carry only `id`, `data_id`,
`edit`, `user` and `created_at`). The latest line per feedback `id` wins; a delete hides
the item. Feedback already inside a log keeps its place and can be superseded by a journal
line with the same `id`; items without an `id` get a stable synthetic one,
`log:<log id>:<position>`, so they too can be changed or deleted.

Durability: each append is one `os.write` of whole lines on a descriptor opened with
`O_APPEND` (two processes appending never interleave), then `os.fsync`. A torn last line
(a crash mid-write, a full disk) is reported and skipped, never fatal; the next append
starts with a newline when the file does not end with one, so torn bytes never glue onto
a new line.

Journal entries are kept as plain dicts (a typed `Feedback` costs ~0.35 ms to decode);
`FeedbackStore.items` builds `Feedback` objects for one log on demand.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import math
import os
import re
import secrets
import stat as statmod
import subprocess
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

try:
    import fcntl
except ImportError:  # not POSIX: appends stay single O_APPEND writes, just unlocked
    fcntl = None  # type: ignore[assignment]

from hltui.model.index import LogIndex
from hltui.model.problems import Problem
from hltui.model.query import LogFilter, apply_filter
from hltui.model.sources import BOM, FileKind
from hltui.model.summary import FeedbackPairs, LogSummary

if TYPE_CHECKING:
    from hltui.model.records import Feedback

__all__ = [
    "EDIT_KINDS",
    "ChangedSince",
    "Edit",
    "ExportError",
    "FeedbackError",
    "FeedbackJournal",
    "FeedbackStore",
    "JournalError",
    "default_journal_path",
    "export_logs",
    "known_labels",
    "load_feedback_types",
    "new_feedback_id",
    "now_rfc3339",
    "resolve_user",
    "sentiment",
]

JOURNAL_DIR = ".hltui"
NOT_A_FILE = "not a regular file (a pipe, socket or device)"
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a pipe waits for its other end without
JOURNAL_NAME = "feedback.jsonl"
TYPES_NAME = "feedback-types.json"
EDIT_KINDS = ("add", "change", "delete")
SYNTHETIC_PREFIX = "log:"
ITEM_DIGEST = "item_digest"  # on an edit of an item without an id: which item it was
JOURNAL_ONLY = frozenset({"edit", ITEM_DIGEST})  # keys of a journal line, not of Feedback
# Types whose values are labels offered in pickers; texts are never offered.
CATEGORICAL_TYPES = ("rating", "action", "issue")
TEXT_TYPES = frozenset({"comment", "correction"})
DEFAULT_LABELS = {"rating": [("good", "positive"), ("bad", "negative")]}
MAX_LABEL_CHARS = 40
READ_CHUNK = 1 << 20

Entry = dict[str, Any]
FeedbackTypes = dict[str, list[tuple[str, str | None]]]


class FeedbackError(Exception):
    """A feedback operation failed; `str(error)` is a plain one-line reason."""


class JournalError(FeedbackError):
    """The journal cannot be written (read-only directory, full disk, ...)."""


class ChangedSince(FeedbackError):
    """The item was changed or deleted since (by another instance): not undone."""


class ExportError(FeedbackError):
    """`export_logs` could not read a log or write its output."""


# --- small helpers ---------------------------------------------------------------------


def default_journal_path(path: Path) -> Path:
    """`<dir>/.hltui/feedback.jsonl` for an opened directory, or next to an opened file."""
    base = path if path.is_dir() else path.parent
    return base / JOURNAL_DIR / JOURNAL_NAME


def now_rfc3339() -> str:
    """The current UTC time as RFC 3339 with a `Z`, e.g. `2024-03-01T12:00:07.123456Z`."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def new_feedback_id() -> str:
    """A new feedback id, `ann_` and 24 random hex digits."""
    return "ann_" + secrets.token_hex(12)


def _reason(error: OSError) -> str:
    """An OSError as a plain lowercase reason, e.g. `read-only file system`."""
    text = error.strerror or str(error) or type(error).__name__
    return text[:1].lower() + text[1:]


def _same_path(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _fsync_dir(directory: Path) -> None:
    """Make a new directory entry durable (best effort: not every system allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def _flocked(fd: int, shared: bool) -> Iterator[None]:
    """Hold an advisory lock on the journal among hltui processes (best effort).

    Writers hold it exclusively from the "does the file end with a newline" check through
    the write, so a half-copied concurrent write never looks like a torn line; readers
    hold it shared so they never see a write half done. The kernel drops it when the holder
    dies, so a killed process leaves no stale lock.
    """
    if fcntl is None:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
    except OSError:  # not supported here (some network file systems): go on without it
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)


def _is_value(value: Any) -> bool:
    """A number (finite: JSON holds no other) or a string."""
    return isinstance(value, str | int) or (isinstance(value, float) and math.isfinite(value))


def check_entry(value: Any, known: dict[str, Entry] | None = None) -> tuple[Entry | None, str]:
    """A journal entry made whole (`edit` and `data_id` filled in), or None and why not.

    A line without `edit` is a plain Feedback record and counts as an add; a line without
    `data_id` takes it from an earlier entry with the same `id` (in `known`).
    """
    if not isinstance(value, dict):
        return None, "not a JSON object"
    feedback_id = value.get("id")
    if not isinstance(feedback_id, str) or not feedback_id:
        return None, "entry has no `id`"
    edit = value.get("edit", "add")
    if edit not in EDIT_KINDS:
        return None, f"unknown edit kind {edit!r} (expected add, change or delete)"
    if "edit" not in value:
        value = {**value, "edit": edit}
    data_id = value.get("data_id")
    if not isinstance(data_id, str) or not data_id:
        earlier = (known or {}).get(feedback_id)
        if earlier is None:
            return None, "entry has no `data_id` (the log it belongs to)"
        value = {**value, "data_id": earlier["data_id"]}
    if edit != "delete":
        if not isinstance(value.get("type"), str) or not value["type"]:
            return None, "entry has no `type`"
        if not _is_value(value.get("value")):
            return None, "entry's `value` should be a number or a string"
    return value, ""


def _record(entry: Entry) -> Entry:
    """A journal entry as a Feedback record (without `edit` and `item_digest`)."""
    return {key: value for key, value in entry.items() if key not in JOURNAL_ONLY}


def _feedback(record: Entry) -> Feedback:
    from hltui.model.records import Feedback

    return Feedback.from_dict(_record(record))


# --- the journal -----------------------------------------------------------------------


class FeedbackJournal:
    """The append-only journal file and the latest entry per feedback id read from it.

    Reading keeps a byte offset (complete lines only); `refresh` reads what was appended
    since, by this process or another. Thread-safe: a watcher thread may `refresh` while
    the UI thread appends.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.problems: list[Problem] = []
        self._lock = threading.RLock()
        # log id -> count of changes seen, for caches; never reset, so it only grows
        self._versions: dict[str, int] = {}
        self._by_log: dict[str, dict[str, None]] = {}
        self._reset()

    def _reset(self) -> None:
        for log_id in self._by_log:  # forgotten entries change what these logs show
            self._versions[log_id] = self._versions.get(log_id, 0) + 1
        self._latest: dict[str, Entry] = {}  # feedback id -> latest entry
        self._by_log = {}  # log id -> its feedback ids, in order of first appearance
        self._offset = 0  # bytes read: always just after a newline (or 0)
        self._line = 0  # lines read
        self._ident: tuple[int, int] | None = None  # (device, inode) of the file read
        self._torn: set[int] = set()  # offsets of torn lines already reported

    # -- state ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._latest)

    def entry(self, feedback_id: str) -> Entry | None:
        """The latest entry for a feedback id (`edit` included), or None."""
        with self._lock:
            return self._latest.get(feedback_id)

    def entries_for(self, log_id: str) -> dict[str, Entry]:
        """The latest entry of each feedback id of a log, in order of first appearance."""
        with self._lock:
            ids = self._by_log.get(log_id)
            if not ids:
                return {}
            return {feedback_id: self._latest[feedback_id] for feedback_id in ids}

    def entries(self) -> list[Entry]:
        """The latest entry of every feedback id, in order of first appearance."""
        with self._lock:
            return list(self._latest.values())

    def has_log(self, log_id: str) -> bool:
        return log_id in self._by_log

    def log_ids(self) -> set[str]:
        """The logs that have journal entries (deletions included)."""
        with self._lock:
            return set(self._by_log)

    def version(self, log_id: str) -> int:
        """A number that changes whenever the journal changes for `log_id`."""
        return self._versions.get(log_id, 0)

    @property
    def offset(self) -> int:
        """Bytes of the file read so far (a partial last line is not counted)."""
        return self._offset

    def _apply(self, entry: Entry, affected: set[str]) -> None:
        feedback_id, log_id = entry["id"], entry["data_id"]
        earlier = self._latest.get(feedback_id)
        if earlier is not None and earlier["data_id"] != log_id:  # moved to another log
            old_log = earlier["data_id"]
            ids = self._by_log.get(old_log, {})
            ids.pop(feedback_id, None)
            if not ids:
                self._by_log.pop(old_log, None)
            self._versions[old_log] = self._versions.get(old_log, 0) + 1
            affected.add(old_log)
        self._latest[feedback_id] = entry
        self._by_log.setdefault(log_id, {})[feedback_id] = None
        self._versions[log_id] = self._versions.get(log_id, 0) + 1
        affected.add(log_id)

    # -- reading -------------------------------------------------------------------------

    def load(self) -> list[Problem]:
        """Read the whole file again; its problems (never raises; a missing file is empty).

        A torn last line is reported and ignored; bad lines elsewhere are reported and
        skipped.
        """
        with self._lock:
            self._reset()
            self.problems = []
            self._read(final=True)
            return list(self.problems)

    def refresh(self) -> set[str]:
        """Read what was appended since the last read; the ids of the logs it touched.

        A partial last line waits for the rest. A file that was replaced or truncated is
        read again from the start; a deleted one empties the journal. New problems are
        added to `problems`.
        """
        with self._lock:
            return self._read(final=False)

    def is_own_write(self, path: Path | None = None) -> bool:
        """Whether the file (or `path`, if it is this file) holds nothing unread.

        True after this journal's own appends, so a watcher can ignore their events;
        False when another process appended (call `refresh`).
        """
        if path is not None and not _same_path(Path(path), self.path):
            return False
        try:
            stat = os.stat(self.path)
        except OSError:
            return self._offset == 0
        with self._lock:  # (smaller than what was read: truncated, not our append)
            return (stat.st_dev, stat.st_ino) == self._ident and stat.st_size == self._offset

    def _read(self, *, final: bool) -> set[str]:
        affected: set[str] = set()
        try:
            fd = os.open(self.path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            if self._ident is not None or self._latest:  # deleted: nothing holds the edits now
                affected.update(self._by_log)
                self._reset()
            return affected
        except OSError as error:
            self._report(f"cannot read the feedback journal: {_reason(error)}")
            return affected
        try:
            stat = os.fstat(fd)
            if not statmod.S_ISREG(stat.st_mode):  # a device would be read forever
                self._report(f"the feedback journal is {NOT_A_FILE}")
                return affected
            ident = (stat.st_dev, stat.st_ino)
            if self._ident is not None and (ident != self._ident or stat.st_size < self._offset):
                affected.update(self._by_log)  # replaced or truncated: read it all again
                self._reset()
            self._ident = ident
            chunks = []
            position = self._offset
            with _flocked(fd, shared=True):
                while True:
                    chunk = os.pread(fd, max(READ_CHUNK, stat.st_size - position), position)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    position += len(chunk)
        except OSError as error:
            self._report(f"cannot read the feedback journal: {_reason(error)}")
            return affected
        finally:
            os.close(fd)
        self._parse(b"".join(chunks), affected, final=final)
        return affected

    def _report(self, message: str) -> None:
        """A problem of the whole file, once (a refresh meets it again)."""
        problem = Problem(self.path, None, message)
        if problem not in self.problems:
            self.problems.append(problem)

    def _parse(self, data: bytes, affected: set[str], *, final: bool) -> None:
        position = 0
        while True:
            end = data.find(b"\n", position)
            if end < 0:
                break
            self._line += 1
            start = self._offset + position
            line = data[position:end]
            if start == 0:
                line = line.removeprefix(BOM)
            if line.strip():
                self._parse_line(line, start, affected)
            position = end + 1
        self._offset += position
        rest = data[position:]
        if final and rest.strip() and self._offset not in self._torn:
            self._torn.add(self._offset)
            self.problems.append(
                Problem(
                    self.path,
                    self._line + 1,
                    "torn last line (an edit cut off mid-write, e.g. by a crash); ignored",
                )
            )

    def _parse_line(self, line: bytes, start: int, affected: set[str]) -> None:
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            if start not in self._torn:  # a torn line already reported, now followed by more
                self.problems.append(
                    Problem(self.path, self._line, f"not valid JSON ({error}); skipped")
                )
            return
        entry, why = check_entry(value, self._latest)
        if entry is None:
            self.problems.append(Problem(self.path, self._line, f"{why}; skipped"))
            return
        self._apply(entry, affected)

    # -- writing -------------------------------------------------------------------------

    def append(self, entry: Entry) -> None:
        """Append one entry: one `os.write` of the whole line (O_APPEND), then fsync.

        Raises `JournalError` (the state is then unchanged) or ValueError for an entry
        that is not valid.
        """
        self.append_many([entry])

    def append_many(self, entries: list[Entry]) -> None:
        """Append several entries in one write (see `append`)."""
        checked = []
        for entry in entries:
            whole, why = check_entry(entry)
            if whole is None:
                raise ValueError(f"not a valid journal entry: {why}")
            checked.append(whole)
        if not checked:
            return
        data = b"".join(orjson.dumps(entry) + b"\n" for entry in checked)
        with self._lock:
            start, end, ident = self._write(data)
            if start == self._offset and ident == (self._ident or ident):
                # nothing foreign before our line: it is read (no need to refresh for it)
                self._ident = ident
                self._offset = end
                self._line += data.count(b"\n", 0, end - start)
            # else another process appended first: `refresh` reads its lines and ours again
            # (entries are idempotent by id; replaying in file order converges)
            affected: set[str] = set()
            for entry in checked:
                self._apply(entry, affected)

    def _write(self, data: bytes) -> tuple[int, int, tuple[int, int]]:
        """Append `data` (a newline first if the file ends without one); (start, end, ident)."""
        path = self.path
        try:
            if not path.parent.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
            existed = path.exists()
            flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(path, flags | _NONBLOCK, 0o644)
        except OSError as error:
            raise JournalError(f"cannot write {path}: {_reason(error)}") from None
        if not statmod.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise JournalError(f"cannot write {path}: {NOT_A_FILE}")
        try:
            with _flocked(fd, shared=False):
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    data = b"\n" + data  # a torn line ends here: never glue onto it
                view = memoryview(data)
                written = os.write(fd, view)  # one write of whole lines
                while written < len(data):  # a short write (full disk): finish or fail loudly
                    count = os.write(fd, view[written:])
                    if count <= 0:
                        raise OSError(28, "No space left on device")
                    written += count
                end = os.lseek(fd, 0, os.SEEK_CUR)
            os.fsync(fd)
            stat = os.fstat(fd)
        except OSError as error:
            raise JournalError(f"cannot write {path}: {_reason(error)}") from None
        finally:
            os.close(fd)
        if not existed:
            _fsync_dir(path.parent)
        return end - len(data), end, (stat.st_dev, stat.st_ino)


# --- merged feedback -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Edit:
    """One edit made in this run: what was (or is to be) appended to the journal."""

    kind: str  # "add" | "change" | "delete"
    log_id: str
    feedback_id: str
    entry: Entry  # the journal line's object, `edit` included
    previous: Entry | None = None  # the item before the edit (for undo); None for an add
    undoable: bool = True  # False for the compensating edits written by `undo_last`
    undone: str | None = None  # for such an edit: the kind of the edit it reverts

    @property
    def feedback(self) -> Feedback | None:
        """The item as written (None for a delete)."""
        return None if self.kind == "delete" else _feedback(self.entry)


def _log_feedback(record: Any) -> list[Entry]:
    """The feedback items of a parsed record, as a list of objects."""
    value = record.get("feedback") if isinstance(record, dict) else None
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def item_digest(item: Entry) -> str:
    """What an item without an id inside a log is known by in the journal: a digest of
    it as stored (its place in the log's list changes when the log is exported again)."""
    plain = {key: value for key, value in item.items() if key != "id"}
    data = orjson.dumps(plain, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def _synthetic_id(
    log_id: str,
    position: int,
    item: Entry,
    journal: dict[str, Entry],
    claimed: dict[str, str],
    used: set[str],
) -> str:
    """The id of an item without one inside a log: `log:<log id>:<position>`, as ever,
    unless the journal's edits say otherwise. An edit records the digest of the item it
    was made on (`item_digest`), so it stays with that item when a new export puts it at
    another place (a delete hit the item that took its place, and the deleted one came
    back); the item found at an edited place that is not that item gets an id of its own."""
    digest = item_digest(item)
    edited = claimed.get(digest)
    if edited is not None and edited not in used:
        return edited
    positional = f"{SYNTHETIC_PREFIX}{log_id}:{position}"
    entry = journal.get(positional)
    made_on = entry.get(ITEM_DIGEST) if entry is not None else None
    if positional in used or (isinstance(made_on, str) and made_on != digest):
        return f"{positional}~{digest}"
    return positional


def _same_item(record: Entry, item: Entry, log_id: str) -> bool:
    """Whether a journal record says exactly what a log item says (an undone edit)."""
    if record == item:
        return True
    if "data_id" not in item and record.get("data_id") == log_id:
        return {k: v for k, v in record.items() if k != "data_id"} == item
    return False


def _pairs(items: list[tuple[Entry, str]]) -> FeedbackPairs:
    pairs = []
    for item, _source in items:
        kind, value = item.get("type"), item.get("value")
        if isinstance(kind, str) and _is_value(value):
            pairs.append((kind, value))
    return tuple(pairs)


def _export_item(item: Entry) -> Entry:
    """An item as written to an exported record: synthetic ids dropped."""
    feedback_id = item.get("id")
    if isinstance(feedback_id, str) and feedback_id.startswith(SYNTHETIC_PREFIX):
        return {key: value for key, value in item.items() if key != "id"}
    return item


class FeedbackStore:
    """Feedback inside the log files merged with the journal, and edits to it.

    Items inside a log come first, in their order (an item superseded by a journal entry
    with its id shows the entry instead, or nothing if deleted); then journal items, in
    order of first appearance. Items without an id get `log:<log id>:<position>`.
    """

    def __init__(self, index: LogIndex, journal: FeedbackJournal | None = None) -> None:
        self.index = index
        self.journal = journal
        self.pending: list[Edit] = []  # edits not yet written (the journal failed)
        # the last entry this run wrote for each item: one written since is another's
        self._own_latest: dict[str, Entry] = {}
        self._undo: list[Edit] = []
        self._cache: dict[str, tuple[int, FeedbackPairs]] = {}
        self._lock = threading.RLock()

    @classmethod
    def open(cls, index: LogIndex, journal_path: Path | None = None) -> FeedbackStore:
        """A store over `index` with its journal (default: next to the opened path) loaded.

        The journal's problems are in `store.journal.problems`.
        """
        journal = FeedbackJournal(journal_path or default_journal_path(index.root))
        journal.load()
        return cls(index, journal)

    # -- reading -------------------------------------------------------------------------

    def logs_with_journal_entries(self) -> set[str]:
        return self.journal.log_ids() if self.journal is not None else set()

    def _raw_record(self, log_id: str) -> Any:
        try:
            return orjson.loads(self.index.raw_bytes(log_id))
        except (OSError, KeyError, orjson.JSONDecodeError):
            return None

    def merged(self, log_id: str, record: Any = None) -> list[tuple[Entry, str]]:
        """(item, source) of a log: source "log" or "journal"; items are plain dicts.

        `record` is the parsed log if the caller has it (else it is read again).
        """
        if record is None:
            record = self._raw_record(log_id)
        in_log = _log_feedback(record)
        journal = self.journal.entries_for(log_id) if self.journal is not None else {}
        merged: list[tuple[Entry, str]] = []
        used: set[str] = set()
        # edits of items without an id, by the digest of the item they were made on
        claimed = {
            entry[ITEM_DIGEST]: feedback_id
            for feedback_id, entry in journal.items()
            if feedback_id.startswith(SYNTHETIC_PREFIX) and isinstance(entry.get(ITEM_DIGEST), str)
        }
        for position, item in enumerate(in_log):
            feedback_id = item.get("id")
            if not isinstance(feedback_id, str) or not feedback_id:
                feedback_id = _synthetic_id(log_id, position, item, journal, claimed, used)
                item = {**item, "id": feedback_id}
            entry = journal.get(feedback_id)
            if entry is None:
                merged.append((item, "log"))
                continue
            if feedback_id in used:
                continue
            used.add(feedback_id)
            if entry["edit"] == "delete":
                continue
            replacement = _record(entry)
            if _same_item(replacement, item, log_id):
                merged.append((item, "log"))
            else:
                merged.append((replacement, "journal"))
        for feedback_id, entry in journal.items():
            if feedback_id not in used and entry["edit"] != "delete":
                merged.append((_record(entry), "journal"))
        return merged

    def items(self, log_id: str) -> list[tuple[Feedback, str]]:
        """The merged feedback of a log as typed `Feedback` objects, with their source."""
        return [(_feedback(item), source) for item, source in self.merged(log_id)]

    def pairs(self, log_id: str) -> FeedbackPairs:
        """(type, value) of the merged feedback; the summary's own for logs the journal
        does not touch (cheap: for filters, glyphs and stats)."""
        journal = self.journal
        if journal is None or not journal.has_log(log_id):
            summary = self.index.logs.get(log_id)
            return (summary.feedback or ()) if summary is not None else ()
        version = journal.version(log_id)
        cached = self._cache.get(log_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        pairs = _pairs(self.merged(log_id))
        self._cache[log_id] = (version, pairs)
        return pairs

    def touched(self) -> set[str]:
        """The logs whose merged feedback may differ from their summary's (see `pairs`)."""
        journal = self.journal
        return journal.log_ids() if journal is not None else set()

    def invalidate(self, log_ids: set[str] | None = None) -> None:
        """Forget cached merges (call when log files were re-read)."""
        if log_ids is None:
            self._cache.clear()
        else:
            for log_id in log_ids:
                self._cache.pop(log_id, None)

    def all_feedback(self) -> Iterator[tuple[str, Entry, str]]:
        """(log id, item, source) of every feedback item of every log, in index order."""
        journal_logs = self.logs_with_journal_entries()
        for log_id, summary in list(self.index.logs.items()):
            if summary.feedback or log_id in journal_logs:
                for item, source in self.merged(log_id):
                    yield log_id, item, source

    def refresh(self) -> set[str]:
        """Read the journal's new lines (another instance's edits); the logs touched."""
        return self.journal.refresh() if self.journal is not None else set()

    def is_own_write(self, path: Path | None = None) -> bool:
        return self.journal is not None and self.journal.is_own_write(path)

    # -- editing -------------------------------------------------------------------------

    def _current(self, log_id: str, feedback_id: str) -> Entry:
        for item, _source in self.merged(log_id):
            if item.get("id") == feedback_id:
                return item
        raise KeyError(f"log {log_id} has no feedback {feedback_id}")

    def add(self, log_id: str, type: str, value: str | int | float, user: str) -> Feedback:
        """Add an item to a log; the item written. JournalError: kept in `pending`."""
        _check_edit(type, value)
        feedback_id = new_feedback_id()
        entry = {
            "type": type,
            "value": value,
            "data_id": log_id,
            "user": user,
            "created_at": now_rfc3339(),
            "id": feedback_id,
            "edit": "add",
        }
        self._submit(Edit("add", log_id, feedback_id, entry))
        return _feedback(entry)

    def change(
        self,
        log_id: str,
        feedback_id: str,
        value: str | int | float,
        user: str,
        *,
        type: str | None = None,
    ) -> Feedback:
        """Change an item's value (and type); the item written. KeyError if unknown."""
        current = self._current(log_id, feedback_id)
        _check_edit(type or current.get("type"), value)
        record = dict(current)  # keeps its keys, unknown ones included, in order
        if type:
            record["type"] = type
        record["value"] = value
        record["data_id"] = log_id
        record["user"] = user
        record["created_at"] = now_rfc3339()
        record["id"] = feedback_id
        entry = {**record, "edit": "change", **self._made_on(log_id, feedback_id)}
        self._submit(Edit("change", log_id, feedback_id, entry, previous=current))
        return _feedback(entry)

    def delete(self, log_id: str, feedback_id: str, user: str) -> None:
        """Delete an item (a journal entry that hides it). KeyError if unknown."""
        current = self._current(log_id, feedback_id)
        entry = {
            "id": feedback_id,
            "data_id": log_id,
            "edit": "delete",
            "user": user,
            "created_at": now_rfc3339(),
            **self._made_on(log_id, feedback_id),
        }
        self._submit(Edit("delete", log_id, feedback_id, entry, previous=current))

    def _made_on(self, log_id: str, feedback_id: str) -> Entry:
        """`{"item_digest": …}` for an edit of an item without an id inside the log (see
        `_synthetic_id`): the digest of that item as stored; nothing for another item."""
        if not feedback_id.startswith(SYNTHETIC_PREFIX):
            return {}
        earlier = self.journal.entry(feedback_id) if self.journal is not None else None
        if earlier is not None and isinstance(earlier.get(ITEM_DIGEST), str):
            return {ITEM_DIGEST: earlier[ITEM_DIGEST]}
        journal = self.journal.entries_for(log_id) if self.journal is not None else {}
        claimed: dict[str, str] = {}
        used: set[str] = set()
        for position, item in enumerate(_log_feedback(self._raw_record(log_id))):
            if isinstance(item.get("id"), str) and item["id"]:
                continue
            found = _synthetic_id(log_id, position, item, journal, claimed, used)
            used.add(found)
            if found == feedback_id:
                return {ITEM_DIGEST: item_digest(item)}
        return {}

    def undo_last(self) -> Edit | None:
        """Revert the last edit of this run; the edit that did it (its `undone` is the
        kind reverted), or None if none is left.

        A pending (unwritten) edit is simply dropped and returned. Otherwise a compensating
        entry is appended: a delete for an add, the previous item for a change or delete.
        """
        with self._lock:
            if self.pending:
                return self.pending.pop()
            if not self._undo:
                return None
            edit = self._undo.pop()
            if self.journal is not None:  # another instance may have edited it since
                self.journal.refresh()
                latest = self.journal.entry(edit.feedback_id)
                own = self._own_latest.get(edit.feedback_id, edit.entry)
                if latest is not None and latest != own:
                    by = latest.get("user")
                    what = "deleted" if latest.get("edit") == "delete" else "changed"
                    raise ChangedSince(
                        f"the item was {what} since{f' by {by}' if by else ''}; not undone"
                    )
            if edit.kind == "add" or edit.previous is None:
                kind = "delete"
                entry = {
                    "id": edit.feedback_id,
                    "data_id": edit.log_id,
                    "edit": "delete",
                    "user": edit.entry.get("user"),
                    "created_at": now_rfc3339(),
                    **({ITEM_DIGEST: edit.entry[ITEM_DIGEST]} if ITEM_DIGEST in edit.entry else {}),
                }
            else:
                kind = "change" if edit.kind == "change" else "add"
                entry = {**edit.previous}
                entry.setdefault("data_id", edit.log_id)
                entry["edit"] = kind
                if ITEM_DIGEST in edit.entry:  # still that item's edit
                    entry[ITEM_DIGEST] = edit.entry[ITEM_DIGEST]
            undo = Edit(
                kind, edit.log_id, edit.feedback_id, entry, undoable=False, undone=edit.kind
            )
            try:
                self._submit(undo)
            except JournalError:
                self._undo.append(edit)  # undoing again drops the pending compensation
                raise
            return undo

    def retry_pending(self, path: Path | None = None) -> list[Edit]:
        """Write the pending edits; to another journal file first if `path` is given.

        Switching copies the entries of the current journal that the new file lacks, so
        the new file holds every edit. Raises JournalError if it still fails.
        """
        with self._lock:
            journal = self.journal
            if path is not None and (journal is None or not _same_path(Path(path), journal.path)):
                self._switch_journal(Path(path))
            return self._flush()

    def _switch_journal(self, path: Path) -> None:
        new = FeedbackJournal(path)
        new.load()
        if self.journal is not None:
            carried = [entry for entry in self.journal.entries() if new.entry(entry["id"]) is None]
            new.append_many(carried)
        self.journal = new
        self._cache.clear()

    def _submit(self, edit: Edit) -> None:
        with self._lock:
            self.pending.append(edit)
            self._flush()

    def _flush(self) -> list[Edit]:
        written: list[Edit] = []
        if not self.pending:
            return written
        if self.journal is None:
            raise JournalError("no feedback journal to write to")
        while self.pending:
            edit = self.pending[0]
            self.journal.append(edit.entry)
            self.pending.pop(0)
            self._own_latest[edit.feedback_id] = edit.entry
            if edit.undoable:
                self._undo.append(edit)
            written.append(edit)
        return written


def _check_edit(kind: Any, value: Any) -> None:
    if not isinstance(kind, str) or not kind.strip():
        raise ValueError("feedback needs a type")
    if isinstance(value, bool) or not _is_value(value):
        raise ValueError("a feedback value is a number or a string")


JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def parse_value(kind: str, text: str) -> str | int | float:
    """Numbers stay numbers (`4`, `4.5`), except in comments and corrections; only
    numbers as JSON writes them, and finite: `007`, `1_000`, `NaN` and `1e999` are
    labels (Python read them as 7, 1000, and numbers JSON cannot hold, saved as null)."""
    if kind in TEXT_TYPES:
        return text
    stripped = text.strip()
    if not JSON_NUMBER.fullmatch(stripped):
        return stripped
    if re.fullmatch(r"-?[0-9]+", stripped):
        return int(stripped)
    number = float(stripped)
    return number if math.isfinite(number) else stripped


# --- identity and labels ---------------------------------------------------------------


def resolve_user(cli_user: str | None = None, cwd: Path | None = None) -> str:
    """Who gives feedback: `--user`, `$HLTUI_USER`, git's `user.email`, the login name."""
    for candidate in (cli_user, os.environ.get("HLTUI_USER")):
        if candidate and candidate.strip():
            return candidate.strip()
    try:
        done = subprocess.run(
            ["git", "config", "user.email"],
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
            cwd=cwd,
        )
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"


def load_feedback_types(root: Path, problems: list[Problem] | None = None) -> FeedbackTypes:
    """The project's feedback types from `.hltui/feedback-types.json`, {type: [(value,
    sentiment)]}; `{}` when there is no file. Problems with the file go to `problems`.

    The format is the project's: `[{"type": "rating", "values": [{"value": "good",
    "sentiment": "positive"}, ...]}, ...]` (plain strings are accepted as values).
    """
    found = problems if problems is not None else []
    base = root if root.is_dir() else root.parent
    path = base / JOURNAL_DIR / TYPES_NAME
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except OSError as error:
        found.append(Problem(path, None, f"cannot read feedback types: {_reason(error)}"))
        return {}
    except orjson.JSONDecodeError as error:
        found.append(Problem(path, None, f"not valid JSON ({error}); feedback types ignored"))
        return {}
    if not isinstance(data, list):
        found.append(Problem(path, None, "should be an array of {type, values}; ignored"))
        return {}
    types: FeedbackTypes = {}
    for number, item in enumerate(data, 1):
        kind = item.get("type") if isinstance(item, dict) else None
        if not isinstance(kind, str) or not kind:
            found.append(Problem(path, number, "not an object with a `type`", unit="record"))
            continue
        values = item.get("values") or []
        if not isinstance(values, list):
            found.append(Problem(path, number, "`values` should be an array", unit="record"))
            continue
        labels = types.setdefault(kind, [])
        for value in values:
            mood = None
            if isinstance(value, dict):
                mood = value.get("sentiment") if isinstance(value.get("sentiment"), str) else None
                value = value.get("value")
            if isinstance(value, bool) or not _is_value(value) or value == "":
                found.append(
                    Problem(path, number, f"a value of `{kind}` is not a label", unit="record")
                )
                continue
            label = str(value)
            if all(label != known for known, _ in labels):
                labels.append((label, mood))
    return types


def _is_label(kind: str, value: Any) -> bool:
    return (
        kind not in TEXT_TYPES
        and isinstance(value, str)
        and 0 < len(value) <= MAX_LABEL_CHARS
        and "\n" not in value
    )


def known_labels(
    index: LogIndex, store: FeedbackStore | None, types: FeedbackTypes | None = None
) -> dict[str, list[str]]:
    """Labels to offer per type: the types file's values first, then the values seen in the
    logs (most used first); `rating` offers good/bad when nothing is known. Text types
    (comment, correction) and numbers are never offered."""
    types = types or {}
    seen: dict[str, Counter[str]] = {}
    for log_id, summary in list(index.logs.items()):
        pairs = store.pairs(log_id) if store is not None else summary.feedback
        for kind, value in pairs or ():
            if _is_label(kind, value):
                seen.setdefault(kind, Counter())[str(value)] += 1
    labels: dict[str, list[str]] = {}
    for kind in (*CATEGORICAL_TYPES, *types, *seen):
        if kind in labels or kind in TEXT_TYPES:
            continue
        values = [value for value, _mood in types.get(kind, [])]
        for value, _count in seen.get(kind, Counter()).most_common():
            if value not in values:
                values.append(value)
        if not values:
            values = [value for value, _mood in DEFAULT_LABELS.get(kind, [])]
        labels[kind] = values
    return labels


def sentiment(types: FeedbackTypes | None, kind: str, value: Any) -> str | None:
    """`positive`/`negative` for a label, from the types file or the defaults (good/bad)."""
    label = str(value)
    for known in ((types or {}).get(kind, []), DEFAULT_LABELS.get(kind, [])):
        for candidate, mood in known:
            if candidate == label:
                return mood
    return None


# --- export ----------------------------------------------------------------------------


class _RawLines:
    """Each log's stored bytes as one JSON line, reading plain JSONL files sequentially."""

    def __init__(self, index: LogIndex) -> None:
        self.index = index
        self._path: Path | None = None
        self._handle: BinaryIO | None = None

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self._path = None

    def read(self, summary: LogSummary) -> bytes:
        state = self.index.files[summary.file]
        try:
            if state.kind is FileKind.JSONL:
                if self._path != state.path:
                    self.close()
                    self._handle = open(state.path, "rb", buffering=READ_CHUNK)  # noqa: SIM115
                    self._path = state.path
                handle = self._handle
                assert handle is not None
                handle.seek(summary.offset)
                line = handle.readline()
                if summary.offset == 0:
                    line = line.removeprefix(BOM)
                return line.rstrip(b"\r\n")
            raw = self.index.raw_bytes(summary.id)
        except OSError as error:
            raise ExportError(f"cannot read {state.path}: {_reason(error)}") from None
        if state.kind.is_lines and b"\n" not in raw:
            return raw
        return orjson.dumps(_loads(raw))  # a JSON file's record: one line


def _loads(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:  # e.g. an integer beyond 64 bits: the slow, exact parser
        try:
            return json.loads(raw)
        except ValueError as error:
            raise ExportError(f"a record is not valid JSON: {error}") from None


def _dumps(data: Any) -> bytes:
    try:
        return orjson.dumps(data)
    except TypeError:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def merged_line(store: FeedbackStore, log_id: str, raw: bytes) -> bytes:
    """A record's line with its `feedback` replaced by the merged list; `raw` itself when
    the journal changes nothing in it (a single object stays a single object then)."""
    record = _loads(raw)
    merged = [_export_item(item) for item, _source in store.merged(log_id, record)]
    if merged == _log_feedback(record):
        return raw
    record["feedback"] = merged
    return _dumps(record)


def export_logs(
    index: LogIndex,
    store: FeedbackStore,
    out: Path,
    *,
    only_with_feedback: bool = False,
    log_filter: LogFilter | None = None,
) -> int:
    """Write the logs as JSONL with their merged feedback; the number written.

    Records are written as stored (key order and unknown keys kept); only logs with journal
    entries are re-encoded. Index order. Atomic: a temporary file in the same directory,
    fsynced, then renamed over `out`. Raises ExportError with a plain reason.
    """
    out = Path(out)
    for state in index.files:
        if _same_path(state.path, out):
            raise ExportError(f"{out} is one of the log files being read; choose another output")
    keep = None
    if log_filter is not None:
        keep = apply_filter(index, log_filter, feedback=store)
    journal_logs = store.logs_with_journal_entries()
    directory = out.parent
    try:
        mode = os.stat(out).st_mode & 0o777
    except OSError:
        mode = 0o644
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise ExportError(f"cannot write {out}: {_reason(error)}") from None
    count = 0
    lines = _RawLines(index)
    try:
        with os.fdopen(fd, "wb", buffering=READ_CHUNK) as handle:
            os.fchmod(handle.fileno(), mode)
            for log_id, summary in list(index.logs.items()):
                if keep is not None and log_id not in keep:
                    continue
                if only_with_feedback and not store.pairs(log_id):
                    continue
                raw = lines.read(summary)
                if log_id in journal_logs:
                    raw = merged_line(store, log_id, raw)
                handle.write(raw)
                handle.write(b"\n")
                count += 1
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, out)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise ExportError(f"cannot write {out}: {_reason(error)}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    finally:
        lines.close()
    _fsync_dir(directory)
    return count
