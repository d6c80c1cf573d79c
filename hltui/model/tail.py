"""Live tailing: turn file-change events into index updates, one offset owner per file.

The index owns each file's read offset. On a change, a grown line file is read from its
offset (complete lines only: a partial last line waits for the rest); a file that shrank,
changed inode or no longer matches the bytes read before is read again from the start,
its old logs replaced; a deleted file's logs go away; a JSON or gzip file is re-read whole.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from hltui.model.index import FileState, LogIndex
from hltui.model.problems import Problem
from hltui.model.sessions import Forest, build_forest, update_forest
from hltui.model.sources import (
    NOT_REGULAR,
    SKIPPED_DIRS,
    UNREADABLE_FOLDER,
    file_kind,
    find_log_files,
    is_special,
)
from hltui.model.summary import LogSummary

if TYPE_CHECKING:
    from watchfiles import Change

MARK_BYTES = 64
WATCH_STEP_MS = 10
# During a write burst awatch groups changes for up to this long (a single append is
# still reported after WATCH_STEP_MS): fewer, larger updates keep input responsive.
WATCH_DEBOUNCE_MS = 300
QUIET_BATCH_MS = 1000


def must_poll(index: LogIndex) -> bool:
    """Whether change events cannot be trusted under the index's root: a folder there
    cannot be read, and the system watcher then stops adding watches for the folders
    listed after it (their changes were never seen); polling sees them all."""
    return any(p.message.startswith(UNREADABLE_FOLDER) for p in index.walk_problems)


def watch_changes(paths: Iterable[Path]) -> AsyncGenerator[set[tuple[Change, str]], None]:
    """Batches of (change, path) for every file and folder under `paths`, as the system
    reports them (inotify and its kin, through `watchfiles`).

    A folder that cannot be read is skipped (it raised PermissionError, which stopped
    every later change from being seen), but folders listed after it may go unwatched
    too: see `must_poll`.
    """
    from watchfiles import awatch

    return awatch(
        *paths,
        step=WATCH_STEP_MS,
        debounce=WATCH_DEBOUNCE_MS,
        watch_filter=None,
        recursive=True,
        ignore_permission_denied=True,
        # an empty batch after a quiet second, to look at unfinished last lines
        rust_timeout=QUIET_BATCH_MS,
        yield_on_timeout=True,
    )


@dataclass(slots=True)
class TailUpdate:
    """What one round of changes did to the index."""

    added: list[LogSummary] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.problems)

    def merge(self, other: TailUpdate) -> None:
        self.added.extend(other.added)
        self.removed.extend(other.removed)
        self.problems.extend(other.problems)
        self.files.extend(other.files)


STILL_AFTER = 1.0  # seconds an unfinished last line must stay unchanged to be read
WHOLE_RECORD_LIMIT = 64 * 1024 * 1024  # a longer unfinished line is left to its newline


def _whole_record(path: Path, start: int, end: int) -> bool:
    """Whether bytes [start, end) of `path` are one JSON object (a record whose line
    only lacks its newline), not the first part of one."""
    if end - start > WHOLE_RECORD_LIMIT:
        return False
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            data = handle.read(end - start)
        return isinstance(msgspec.json.decode(data), dict)
    except (OSError, msgspec.DecodeError, RecursionError):
        return False


def is_log_path(path: Path, root: Path) -> bool:
    """Whether a changed path may hold logs (a log file outside hltui's own folders)."""
    if file_kind(path) is None:
        return False
    try:
        parts = path.relative_to(root).parts if root.is_dir() else path.parts
    except ValueError:
        parts = path.parts
    return not any(part in SKIPPED_DIRS for part in parts[:-1])


class Tailer:
    """Applies file changes under an index's root to the index."""

    def __init__(self, index: LogIndex) -> None:
        self.index = index
        self.marks: dict[Path, bytes] = {}
        for state in index.files:
            self.marks[state.path] = self._read_mark(state)
        # files whose last line has no newline yet: (size, mtime, inode) as first seen
        # so, when, and whether that line was found not to be a whole record
        self._unfinished: dict[Path, tuple[tuple[int, int, int], float, bool]] = {}

    def has_unfinished(self) -> bool:
        """Whether a line file's last read left a line without its newline."""
        return any(
            state.kind.is_lines and not state.kind.is_gzip and state.size > state.offset
            for state in self.index.files
        )

    def finish_still_lines(self, now: float | None = None) -> TailUpdate:
        """Read a last line that has no newline once its file has stayed as it is for
        STILL_AFTER seconds, if it holds a whole record: a writer that ends its last
        record without a newline would otherwise never have it shown. (Anything it
        writes later starts with that newline, a blank line.)"""
        now = time.monotonic() if now is None else now
        update = TailUpdate()
        for state in list(self.index.files):
            path = state.path
            # what the last read left unread (its size is from that read: no stat
            # for files read to their end, so an idle directory costs nothing)
            if not state.kind.is_lines or state.kind.is_gzip or state.size <= state.offset:
                self._unfinished.pop(path, None)
                continue
            try:
                stat = path.stat()
            except OSError:
                continue
            seen = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
            known = self._unfinished.get(path)
            if known is None or known[0] != seen:
                self._unfinished[path] = (seen, now, False)
                continue
            if known[2] or now - known[1] < STILL_AFTER or stat.st_size != state.size:
                continue
            if not _whole_record(path, state.offset, stat.st_size):
                self._unfinished[path] = (seen, known[1], True)  # not again till it changes
                continue
            update.files.append(path)
            self._read(path, update, complete_only=False)
            self._unfinished.pop(path, None)
        return update

    @staticmethod
    def _read_mark(state: FileState) -> bytes:
        """The last bytes read from a plain line file, to recognise it was not replaced."""
        if not state.kind.is_lines or state.kind.is_gzip or state.offset == 0:
            return b""
        start = max(0, state.offset - MARK_BYTES)
        try:
            fd = os.open(state.path, os.O_RDONLY)
        except OSError:
            return b""
        try:
            return os.pread(fd, state.offset - start, start)
        finally:
            os.close(fd)

    def apply(self, paths: Iterable[Path]) -> TailUpdate:
        """Bring the index up to date with the given changed paths."""
        update = TailUpdate()
        wanted = list(dict.fromkeys(paths))
        # What went away first: a renamed file or folder comes as its old path and its
        # new one, in any order, and reading the new one while the old one's logs were
        # still in the index took them for duplicates (then forgetting the old dropped
        # them all).
        for path in wanted:
            if not path.exists():
                update.merge(self.forget_gone(path))
        for path in wanted:
            if path.is_dir():
                update.merge(self.scan_directory(path))
            elif is_log_path(path, self.index.root):
                update.merge(self.refresh_file(path))
        if update.removed:
            update.merge(self._restore_copies(update.removed))
        return update

    def _restore_copies(self, removed: list[str]) -> TailUpdate:
        """Read again, whole, the files holding a copy (dropped as a duplicate) of a log
        removed: if the log is gone, that copy is the log now (it vanished with the one
        kept); if it is back from another file (the first copy's file renamed), the
        copy's notice names where the log is read from now."""
        index = self.index
        numbers: set[int] = set()
        notices: dict[int, set[str]] = {}  # each file's messages, once asked for

        def says(number: int, notice: str) -> bool:
            if number not in notices:
                notices[number] = {p.message for p in index.files[number].problems}
            return notice in notices[number]

        for log_id in removed:
            files = index.copies_dropped.get(log_id)
            if not files:
                continue
            kept = index.logs.get(log_id)
            if kept is not None:  # back from a file read again: is each notice still true?
                notice = index.duplicate_notice(kept)
                files = {number for number in files if not says(number, notice)}
            numbers.update(files)
            left = index.copies_dropped[log_id] - files  # (a file read again adds its own)
            if left:
                index.copies_dropped[log_id] = left
            else:
                del index.copies_dropped[log_id]
        update = TailUpdate()
        for number in sorted(numbers):
            path = index.files[number].path
            if not path.exists():
                continue
            update.files.append(path)
            update.removed.extend(index.forget_file(path))
            self._read(path, update)
        return update

    def forget_gone(self, gone: Path) -> TailUpdate:
        """Drop the logs of the files at a path that no longer exists, or under it (a
        folder deleted or moved away)."""
        update = TailUpdate()
        for state in list(self.index.files):
            path = state.path
            if (path == gone or gone in path.parents) and path in self.index.file_ids:
                update.merge(self.refresh_file(path))
        if self._forget_walk_problems(gone):
            update.files.append(gone)  # (so the problems are counted again)
        return update

    def _forget_walk_problems(self, gone: Path) -> bool:
        """Drop what the walk reported of a path gone, or under it (a pipe deleted: its
        problem stayed, and the count only went up); whether there was any."""
        walk = self.index.walk_problems
        kept = [p for p in walk if not (p.file == gone or gone in p.file.parents)]
        self.index.walk_problems = kept
        return len(kept) != len(walk)

    def scan_directory(self, directory: Path) -> TailUpdate:
        """Pick up log files in a new (or moved-in) directory."""
        update = TailUpdate()
        paths, problems = find_log_files(directory)
        update.problems.extend(problems)
        for path in paths:
            if is_log_path(path, self.index.root):
                update.merge(self.refresh_file(path))
        return update

    def refresh_file(self, path: Path) -> TailUpdate:
        """Read what is new in one file, or drop/replace its logs as the change requires."""
        index = self.index
        update = TailUpdate(files=[path])
        if is_special(path):  # a pipe made here: reading it would wait for a writer
            problem = Problem(path, None, NOT_REGULAR)
            if problem not in index.walk_problems:
                index.walk_problems.append(problem)
                update.problems.append(problem)
            return update
        known = path in index.file_ids
        try:
            stat = path.stat()
        except OSError:
            if known:
                update.removed.extend(index.forget_file(path))
                self.marks.pop(path, None)
            return update
        state = index.state_for(path)
        if known and not self._continues(state, stat):
            update.removed.extend(index.forget_file(path))
        elif known and state.kind.is_lines and not state.kind.is_gzip:
            if stat.st_size == state.offset and stat.st_mtime_ns == state.mtime_ns:
                return update
        elif known and (stat.st_size, stat.st_mtime_ns) == (state.size, state.mtime_ns):
            return update
        elif known and state.kind.is_gzip and state.kind.is_lines:
            update.removed.extend(index.forget_file(path))
        self._read(path, update)
        return update

    def _read(self, path: Path, update: TailUpdate, *, complete_only: bool = True) -> None:
        """Read what is new in a file into `update`, and note how its read part ends."""
        for batch in self.index.read_file(path, complete_only=complete_only):
            update.added.extend(batch.logs)
            update.problems.extend(batch.problems)
            update.removed.extend(batch.removed)
        self.marks[path] = self._read_mark(self.index.state_for(path))

    def _continues(self, state: FileState, stat: os.stat_result) -> bool:
        """Whether a known file is the same file, grown or unchanged (not truncated/replaced)."""
        if state.inode and stat.st_ino != state.inode:
            return False
        if not state.kind.is_lines:
            return True  # JSON files are re-read whole anyway
        if stat.st_size < state.offset:
            return False
        mark = self.marks.get(state.path, b"")
        return not mark or self._read_mark(state) == mark

    def poll(self) -> list[Path]:
        """Paths whose size, inode or mtime changed since last read, plus new and gone files.

        For file systems where change events do not arrive (network, containers): compares
        sizes and inodes itself rather than trusting coarse modification times.
        """
        changed: list[Path] = []
        index = self.index
        for state in index.files:
            try:
                stat = state.path.stat()
            except OSError:
                if state.log_ids or state.size:
                    changed.append(state.path)
                continue
            grown = state.kind.is_lines and not state.kind.is_gzip and stat.st_size != state.offset
            if (
                grown
                or stat.st_ino != state.inode
                or stat.st_mtime_ns != state.mtime_ns
                or (not state.kind.is_lines and stat.st_size != state.size)
            ):
                changed.append(state.path)
        if index.root.is_dir():
            paths, walk_problems = find_log_files(index.root)
            changed.extend(p for p in paths if p not in index.file_ids)
            if walk_problems != index.walk_problems:  # a folder unreadable, or readable again
                index.walk_problems = walk_problems
                changed.append(index.root)  # (read as a folder: recounts the problems)
        return changed


def forest_after(forest: Forest | None, index: LogIndex, update: TailUpdate) -> Forest:
    """The forest once `update` is applied: new logs added in place, a full rebuild on removal."""
    files = {number: state.path for number, state in enumerate(index.files)}
    if forest is None or update.removed:
        return build_forest(list(index.logs.values()), files)
    if update.added:
        return update_forest(forest, update.added, index.logs, files)
    return forest
