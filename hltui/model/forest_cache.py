"""The forest cache: the shape of the last session forest, so a warm open skips building it.

Building a forest sorts every log, joins session ids and nests parents: seconds at 500k
logs. When the index was loaded from exactly the same files as last time (same paths in
the same order, each with the same size, mtime, inode, read offset and number of logs),
the logs are the same objects in the same order, and the forest is the same too. This
cache stores it as positions in that order: `<root>/.hltui/forest-cache.msgpack` holds
the files' fingerprint, then in columns, for each top item (newest first), its session
key and ids (no key for a standalone log) and how many logs it has; for each log, its
position in time order and its parent's place in the session (-1 for a root, -2 for an
orphan root); and the problems found while nesting (parent cycles). Worked out from those
when saved, and kept so a warm open need not work them out log by log in Python: the
sessions with parent links, each log's top item, the tree order, the inverse of the
positions, and the index's filter columns (`hltui.model.columns`).

A cache whose header, fingerprint or contents do not match is ignored and the forest is
built as usual, so it is never trusted blindly: the counts must add up to the logs held,
and the first log of every top item must have the id it had (a digest of those ids is
kept), and a digest of all those columns must match. Writing is atomic and best effort.
"""

from __future__ import annotations

import hashlib
import os
import weakref
from array import array
from itertools import accumulate, repeat
from operator import attrgetter, is_
from pathlib import Path
from typing import BinaryIO, TypeVar

import msgspec

import hltui
from hltui.model.cache import CACHE_DIR, relative_key, root_dir, write_streamed
from hltui.model.columns import MAX_CODES, Codes, FilterColumns
from hltui.model.index import LogIndex, gc_paused
from hltui.model.node_map import PositionNodes
from hltui.model.problems import Problem, Severity
from hltui.model.sessions import Forest, LogNode, Session, TopItem, _Keys
from hltui.model.summary import LogSummary

FOREST_CACHE_VERSION = 5  # 3: derived columns and a digest of all; 4: filter columns;
# 5: a blank error is none (the error column was made with it as an error)
FOREST_CACHE_NAME = "forest-cache.msgpack"
ROOT, ORPHAN = -1, -2

# One file as loaded: relative path, size, mtime_ns, inode, read offset, logs kept.
FileMark = tuple[str, int, int, int, int, int]
# A problem of a session: the top item's number, then file (relative to the root dir, or
# absolute), line, message, severity, unit.
ProblemAt = tuple[int, str, int | None, str, str, str]


class ForestSnapshot(msgspec.Struct, array_like=True, gc=False):
    """The forest in columns: a few big values rather than small objects per session, so
    reading it makes little garbage (its decoded rows cost 50 MB at 500k logs, when the
    memory of a warm open peaks)."""

    version: int
    hltui: str
    root: str
    files: list[FileMark]
    log_count: int
    keys: list[str | None]  # each top item's session key; None for a standalone log
    counts: bytes  # int32 per top item: how many positions (logs) it takes
    id_counts: bytes  # int32 pairs per session: how many session ids, reference ids
    session_ids: list[str]  # the sessions' ids, session after session
    reference_ids: list[str]
    first_ids: bytes  # digest of the first log id of each top item, checked on reuse
    problems: list[ProblemAt]
    positions: bytes  # int32 per log: its position in the index's load order
    parents: bytes  # int32 per log: its parent's place in the session, or ROOT / ORPHAN
    # Worked out from the above when saved, so a warm open does not work them out again
    # log by log (all checked against `digest`):
    linked: bytes  # int32 per session with a parent link or orphan: its top item's place
    tops: bytes  # int32 per position: the place of its top item (`Forest.by_position`)
    tree_order: bytes  # int32 per log: positions in tree order (`Forest.tree_positions`)
    inverse: bytes  # int32 per position: where that log is in `positions`
    # The index's filter columns (`hltui.model.columns`), by position, when they were
    # made: values by code (None: no column, too many values), then a byte per log.
    project_values: list[str | None] | None
    project_codes: bytes
    model_values: list[str | None] | None
    model_codes: bytes
    error_flags: bytes
    feedback_flags: bytes
    digest: bytes  # of all the columns, so a damaged byte is never trusted


T = TypeVar("T")
_encoder = msgspec.msgpack.Encoder()
_key_of, _log_of, _orphan_of = attrgetter("key"), attrgetter("log"), attrgetter("orphan")
_id_of = attrgetter("id")
_log_id_of = attrgetter("log.id")
_decoder = msgspec.msgpack.Decoder(ForestSnapshot)


def forest_cache_path(root: Path) -> Path:
    return root_dir(root) / CACHE_DIR / FOREST_CACHE_NAME


def fingerprint(index: LogIndex) -> list[FileMark] | None:
    """What identifies the index's logs and their order; None if a file is outside the root."""
    base = root_dir(index.root)
    marks: list[FileMark] = []
    for state in index.files:
        key = relative_key(state.path, base)
        if key is None:
            return None
        marks.append(
            (key, state.size, state.mtime_ns, state.inode, state.offset, len(state.log_ids))
        )
    return marks


def first_ids_digest(ids: list[str]) -> bytes:
    """What the first log ids of the top items are checked against (16 bytes, not 9 MB)."""
    return hashlib.blake2b("\0".join(ids).encode(errors="surrogatepass"), digest_size=16).digest()


def snapshot_of(index: LogIndex, forest: Forest) -> ForestSnapshot | None:
    """The forest as positions in the index's order (None if it cannot be expressed so).

    Positions are read off the forest's tree order (`Forest.position_maps`): a session
    with no parent links is in the same order in its tree and in time, so only linked
    sessions are matched up log by log (finding each log's position in Python cost 3.7 s
    at 500k logs).
    """
    marks = fingerprint(index)
    if marks is None:
        return None
    mapped = forest.position_maps(index)
    if mapped is None:
        return None
    tops, tree_order = mapped
    if len(tree_order) != len(index.logs):  # not a forest of every log
        return None
    base = root_dir(index.root)
    positions = array("i")
    parents = array("i")
    counts = array("i")
    id_counts = array("i")
    linked = array("i")
    keys: list[str | None] = []
    session_ids: list[str] = []
    reference_ids: list[str] = []
    first_ids: list[str] = []
    problems: list[ProblemAt] = []
    at = 0
    for place, item in enumerate(forest.items):
        if isinstance(item, LogNode):
            positions.append(tree_order[at])
            parents.append(ROOT)
            keys.append(None)
            counts.append(1)
            first_ids.append(item.key)
            at += 1
            continue
        logs, roots = item.logs, item.roots
        count = len(logs)
        in_tree = tree_order[at : at + count]
        at += count
        if (
            len(roots) == count
            and not any(map(_orphan_of, roots))
            and all(map(is_, map(_log_of, roots), logs))
        ):  # no links: the tree is the logs in time order
            positions.extend(in_tree)
            parents.extend(repeat(ROOT, count))
        else:
            linked.append(place)
            if not _add_linked(item, in_tree, positions, parents):
                return None
        keys.append(item.key)
        counts.append(count)
        first_ids.append(logs[0].id)
        id_counts.extend((len(item.session_ids), len(item.reference_ids)))
        session_ids.extend(item.session_ids)
        reference_ids.extend(item.reference_ids)
        problems.extend(
            (
                place,
                relative_key(p.file, base) or str(p.file),
                p.line,
                p.message,
                p.severity.value,
                p.unit,
            )
            for p in forest.problems_by_session.get(item.key, [])
        )
    inverse = array("i", [-1]) * len(positions)
    for n, position in enumerate(positions):
        inverse[position] = n
    if at != len(positions) or -1 in inverse:  # a log twice, so another not at all
        return None

    # Columns made here are viewed, not copied (12 MB at 500k logs); the forest's own
    # (tops, tree order) are copied, so a live tail may still grow them.
    def viewed(column: array[int]) -> memoryview:
        return memoryview(column).cast("B")

    columns: list[bytes | memoryview] = [
        *map(viewed, (counts, id_counts, positions, parents, linked)),
        tops.tobytes(),
        tree_order.tobytes(),
        viewed(inverse),
    ]
    filters = _filter_columns_of(index)
    return ForestSnapshot(
        FOREST_CACHE_VERSION,
        hltui.__version__,
        str(index.root.resolve()),
        marks,
        len(index.logs),
        keys,
        *columns[:2],
        session_ids,
        reference_ids,
        first_ids_digest(first_ids),
        problems,
        *columns[2:],
        *filters,
        columns_digest(columns + _filter_parts(*filters)),
    )


FilterParts = tuple[list[str | None] | None, bytes, list[str | None] | None, bytes, bytes, bytes]
NO_FILTER_COLUMNS: FilterParts = (None, b"", None, b"", b"", b"")


def _filter_columns_of(index: LogIndex) -> FilterParts:
    """The index's filter columns as stored, if it has them for exactly its logs."""
    columns = index.columns
    logs = index.logs
    if columns is None or columns.count != len(logs) or not logs:
        return NO_FILTER_COLUMNS
    if columns.last is not next(reversed(logs.values())):
        return NO_FILTER_COLUMNS

    def parts(codes: Codes | None) -> tuple[list[str | None] | None, bytes]:
        if codes is None:
            return None, b""
        return list(codes.values), codes.codes  # a dict keeps its values in code order

    return (*parts(columns.project), *parts(columns.model), columns.error, columns.feedback)


def _filter_parts(
    project_values: list[str | None] | None,
    project_codes: bytes,
    model_values: list[str | None] | None,
    model_codes: bytes,
    error_flags: bytes,
    feedback_flags: bytes,
) -> list[bytes]:
    """The filter columns as bytes, for the digest."""
    values = msgspec.msgpack.encode([project_values, model_values])
    return [values, project_codes, model_codes, error_flags, feedback_flags]


def _restore_filter_columns(
    index: LogIndex, snapshot: ForestSnapshot, logs: list[LogSummary]
) -> None:
    """Give the index its filter columns from the snapshot (checked by the caller's
    digest), so the end of a warm open need not read every summary for them."""
    count = len(logs)
    if not count or len(snapshot.error_flags) != count or len(snapshot.feedback_flags) != count:
        return

    def codes(values: list[str | None] | None, data: bytes) -> Codes | None:
        if values is None or len(data) != count or len(values) > MAX_CODES:
            return None
        return Codes(data, {value: code for code, value in enumerate(values)})

    index.columns = FilterColumns(
        count,
        logs[-1],
        codes(snapshot.project_values, snapshot.project_codes),
        codes(snapshot.model_values, snapshot.model_codes),
        snapshot.error_flags,
        snapshot.feedback_flags,
    )


def columns_digest(columns: list[bytes | memoryview]) -> bytes:
    """What the columns are checked against (each column's length counts too)."""
    digest = hashlib.blake2b(digest_size=16)
    for column in columns:
        digest.update(len(column).to_bytes(8, "little"))
        digest.update(column)
    return digest.digest()


def _add_linked(
    session: Session, in_tree: array[int], positions: array[int], parents: array[int]
) -> bool:
    """Add the positions and parent places of a session's logs, in time order, from its
    tree and their positions in tree order; False if its tree does not hold its logs."""
    nodes = list(session.nodes())
    if len(nodes) != len(session.logs) or len(in_tree) != len(nodes):
        return False
    place_of = {log.id: n for n, log in enumerate(session.logs)}
    position_of = dict(zip(map(_key_of, nodes), in_tree, strict=True))
    node_of = dict(zip(map(_key_of, nodes), nodes, strict=True))
    parent_place: dict[str, int] = {}
    try:
        for node in nodes:
            for child in node.children:
                parent_place[child.key] = place_of[node.key]
        for log in session.logs:
            positions.append(position_of[log.id])
            parent = parent_place.get(log.id)
            orphan = node_of[log.id].orphan
            parents.append(parent if parent is not None else ORPHAN if orphan else ROOT)
    except KeyError:  # a node whose log is not one of the session's
        return False
    return True


def save_forest(index: LogIndex, forest: Forest) -> bool:
    """Write the forest cache atomically; False (and no error) when it cannot be written."""
    snapshot = snapshot_of(index, forest)
    if snapshot is None:
        return False
    return write_streamed(forest_cache_path(index.root), lambda out: write_snapshot(out, snapshot))


def write_snapshot(out: BinaryIO, snapshot: msgspec.Struct) -> None:
    """Write `snapshot` (an array-like struct: a ForestSnapshot, a preview's columns)
    exactly as msgspec encodes it, field by field: the byte columns go
    straight from their buffers, with no encoded copy of the whole (18 MB at 500k logs,
    which set the peak memory of a cold open)."""
    fields = msgspec.structs.astuple(snapshot)
    out.write(_array_header(len(fields)))
    for value in fields:
        if isinstance(value, bytes | memoryview):
            out.write(_bin_header(len(value)))
            out.write(value)
        else:
            out.write(_encoder.encode(value))


def _array_header(length: int) -> bytes:
    """A msgpack array header, the smallest that fits (as msgspec writes it)."""
    if length < 16:
        return bytes([0x90 | length])
    if length < 0x10000:
        return b"\xdc" + length.to_bytes(2, "big")
    return b"\xdd" + length.to_bytes(4, "big")


def _bin_header(length: int) -> bytes:
    """A msgpack bin header, the smallest that fits (as msgspec writes it)."""
    if length < 0x100:
        return b"\xc4" + length.to_bytes(1, "big")
    if length < 0x10000:
        return b"\xc5" + length.to_bytes(2, "big")
    return b"\xc6" + length.to_bytes(4, "big")


def decoded_file(path: Path, decoder: msgspec.msgpack.Decoder[T]) -> T | None:
    """The value in the msgpack file at `path`; None if it cannot be read or decoded."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        with gc_paused():
            return decoder.decode(data)
    except (msgspec.DecodeError, ValueError, TypeError, OverflowError):
        return None


def read_snapshot(root: Path) -> ForestSnapshot | None:
    """The saved forest of `root`, if there is one that decodes and is of this version."""
    snapshot = decoded_file(forest_cache_path(root), _decoder)
    if snapshot is None:
        return None
    if (
        snapshot.version != FOREST_CACHE_VERSION
        or snapshot.hltui != hltui.__version__
        or snapshot.root != str(root.resolve())
    ):
        return None
    return snapshot


def matches_disk(snapshot: ForestSnapshot, root: Path, paths: list[Path]) -> bool:
    """Whether `paths` (the files a load will read) look unchanged since the snapshot:
    a cheap guess before loading, so a loader can skip showing forests on the way."""
    return files_match(snapshot.files, root, paths)


def files_match(files: list[FileMark], root: Path, paths: list[Path]) -> bool:
    """Whether `paths` are the files `files` describes, each looking the same on disk
    (relative path, size, mtime and inode), in the same order."""
    base = root_dir(root)
    if len(paths) != len(files):
        return False
    for path, mark in zip(paths, files, strict=True):
        try:
            stat = os.stat(path)
        except OSError:
            return False
        if (relative_key(path, base), stat.st_size, stat.st_mtime_ns, stat.st_ino) != mark[:4]:
            return False
    return True


def restore(index: LogIndex, snapshot: ForestSnapshot) -> Forest | None:
    """The forest of the loaded index from its snapshot, if it was taken of exactly these
    logs (same files, same order); None otherwise. Its int32 columns are taken (the
    snapshot holds them no more): kept as bytes beside the arrays made of them, they
    added 12 MB to the peak of a warm open at 500k logs."""
    if (
        snapshot.root != str(index.root.resolve())
        or snapshot.log_count != len(index.logs)
        or snapshot.files != fingerprint(index)
    ):
        return None
    try:
        with gc_paused():
            return _rebuild(index, snapshot)
    except (IndexError, ValueError, KeyError):
        return None


def load_forest(index: LogIndex) -> Forest | None:
    """The cached forest of exactly the index's logs, or None when there is none."""
    snapshot = read_snapshot(index.root)
    return restore(index, snapshot) if snapshot is not None else None


_INT_COLUMNS = (
    "counts",
    "id_counts",
    "positions",
    "parents",
    "linked",
    "tops",
    "tree_order",
    "inverse",
)


def _ints(data: bytes) -> array[int]:
    """int32s from bytes, kept as an array: as a list, 500k of them cost 18 MB more."""
    values = array("i")
    values.frombytes(data)
    return values


def _rebuild(index: LogIndex, snapshot: ForestSnapshot) -> Forest | None:
    """The forest from its snapshot; None if a log is not where the snapshot says.

    Work per log is done in C (`map`, slices, arrays); Python runs once per top item,
    and once per log only in sessions with parent links.
    """
    raw = [getattr(snapshot, name) for name in _INT_COLUMNS]
    filters = (
        snapshot.project_values,
        snapshot.project_codes,
        snapshot.model_values,
        snapshot.model_codes,
        snapshot.error_flags,
        snapshot.feedback_flags,
    )
    if columns_digest(raw + _filter_parts(*filters)) != snapshot.digest:
        return None
    counts, id_counts, positions, parents, linked, tops, tree_order, inverse = map(_ints, raw)
    del raw
    for name in _INT_COLUMNS:
        setattr(snapshot, name, b"")
    logs = list(index.logs.values())
    total = len(logs)
    if (
        not len(positions) == len(parents) == len(tops) == len(tree_order) == len(inverse) == total
        or len(counts) != len(snapshot.keys)
        or sum(counts) != total
    ):
        return None
    ordered = list(map(logs.__getitem__, positions))  # every log, in top items' order
    starts = list(accumulate(counts, initial=0))
    first_ids = list(map(_id_of, map(ordered.__getitem__, starts[:-1])))
    if first_ids_digest(first_ids) != snapshot.first_ids:
        return None
    items: list[TopItem | None] = []
    sessions: dict[str, Session] = {}
    refs: list[weakref.ref[Session] | None] = []  # each log's session, in `ordered`
    session_ids, reference_ids = snapshot.session_ids, snapshot.reference_ids
    ids_at = refs_at = 0
    id_pairs = iter(id_counts)
    for key, start, count in zip(snapshot.keys, starts, counts, strict=False):
        if key is None:
            refs.append(None)
            items.append(None)  # its node, once the nodes are made
            continue
        id_count, ref_count = next(id_pairs), next(id_pairs)
        session = Session(
            key,
            tuple(session_ids[ids_at : ids_at + id_count]),
            tuple(reference_ids[refs_at : refs_at + ref_count]),
        )
        ids_at += id_count
        refs_at += ref_count
        session.logs = ordered[start : start + count]
        refs.extend([weakref.ref(session)] * count)
        sessions[key] = session
        items.append(session)
    if next(id_pairs, None) is not None or (ids_at, refs_at) != (
        len(session_ids),
        len(reference_ids),
    ):
        return None
    nodes = list(map(LogNode, ordered, repeat(()), repeat(False), refs))
    for place, (item, start, count) in enumerate(zip(items, starts, counts, strict=False)):
        if item is None:
            items[place] = nodes[start]
        else:
            item.roots = nodes[start : start + count]  # type: ignore[union-attr]
    for place in linked:
        session = items[place]
        if not isinstance(session, Session):
            return None
        start = starts[place]
        local = session.roots
        session.roots = roots = []
        for node, parent in zip(local, parents[start : start + len(local)], strict=True):
            if parent >= 0:
                local[parent].adopt(node)
            else:
                node.orphan = parent == ORPHAN
                roots.append(node)
    by_id = _nodes_by_id(index, inverse, nodes)
    if by_id is None:
        return None
    problems = _problems(snapshot, items, root_dir(index.root))
    if problems is None:
        return None
    # the union-find of session keys is made from the sessions when logs are added
    forest = Forest(items, sessions, by_id, problems, _Keys(sessions.values()))  # type: ignore[arg-type]
    forest.by_position = (tops, index.generation, total)
    forest.tree_positions = tree_order
    _restore_filter_columns(index, snapshot, logs)
    return forest


def _problems(
    snapshot: ForestSnapshot, items: list[TopItem | None], base: Path
) -> dict[str, list[Problem]] | None:
    """The problems of the sessions, by session key; None if one names no session."""
    problems: dict[str, list[Problem]] = {}
    for place, file, line, message, severity, unit in snapshot.problems:
        item = items[place]
        if not isinstance(item, Session):
            return None
        problems.setdefault(item.key, []).append(
            Problem(
                Path(file) if os.path.isabs(file) else base / file,
                line,
                message,
                Severity(severity),
                unit,
            )
        )
    return problems


def _nodes_by_id(
    index: LogIndex, inverse: array[int], nodes: list[LogNode]
) -> dict[str, LogNode] | PositionNodes | None:
    """The nodes (in the snapshot's order) by id: by position while the index holds its
    logs file by file (as right after a load), else in a dict; None if ids repeat."""
    positions_now = index.positions()
    if positions_now is None:
        by_id = dict(zip(map(_log_id_of, nodes), nodes, strict=True))
        return by_id if len(by_id) == len(nodes) else None
    return PositionNodes(positions_now, list(map(nodes.__getitem__, inverse)))
